#!/usr/bin/env bash
# Idempotent dev/CI setup: system tools for the real-server e2e tests, then node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."

need_cmd() { command -v "$1" >/dev/null 2>&1; }
have_sshd() { need_cmd sshd || [ -x /usr/sbin/sshd ] || [ -x /usr/local/sbin/sshd ]; }

missing=()
have_sshd || missing+=(sshd)
for tool in ssh ssh-keygen rsync sshpass tmux python3 top ps pkill zsh fish srun slurmctld munged; do
  need_cmd "$tool" || missing+=("$tool")
done
need_cmd vim || need_cmd vim.tiny || missing+=(vim)

# The e2e tests drive real programs through mtr (python3 REPL, vim, top from procps) and load
# mtr's completion scripts into zsh and fish. The Slurm tests start their own cluster from slurm-wlm and
# munge (scripts/slurm-rig.mjs; no service is enabled or started here).
packages=(openssh-server openssh-client rsync sshpass tmux python3 procps vim-tiny zsh fish slurm-wlm munge)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && need_cmd apt-get; then
    echo "setup: installing ${packages[*]} (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  else
    echo "setup: missing ${missing[*]}; the e2e tests need them. Install, for example:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${packages[*]}" >&2
    echo "  (macOS: enable Remote Login for sshd; brew install rsync tmux hudochenkov/sshpass/sshpass)" >&2
  fi
fi

# `npm ci` only when node_modules is absent or older than the lockfile. npm rewrites
# node_modules/.package-lock.json on every install, so it dates node_modules better than the folder.
marker=node_modules/.package-lock.json
if [ ! -d node_modules ] || [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ]; then
  echo "setup: npm ci"
  # The lock lists every platform's optional packages, so `npm ci` never rewrites it; a failure here
  # is real (a lock out of step with package.json), not something to paper over with `npm install`.
  npm ci --no-audit --no-fund --loglevel=error
fi
