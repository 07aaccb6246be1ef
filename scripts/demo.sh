#!/usr/bin/env bash
# The README's first command: install what is missing, build, start the local sandbox sshd, and
# run mtr's main job against it (sync this repo, run a script there, exit with its code).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent
node scripts/sandbox.mjs --background
cd examples/demo
set -x
node ../../bin/mtr.cjs python3 train.py --epochs 3
