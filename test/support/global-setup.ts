// One real OpenSSH server for the whole vitest run; test files read its details with inject('sshd').
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
// @ts-ignore plain JS helper shared with `npm run sandbox` (no .d.ts)
import { canRunSshd, startSshd } from '../../scripts/sshd-server.mjs';
import type { ProvidedSshd } from './sshd.js';

// Client tools the e2e tests drive besides the server (tmux runs "remotely", i.e. here too).
const REQUIRED_TOOLS = ['ssh', 'ssh-keygen', 'rsync', 'sshpass', 'tmux'];

// Two projects use this setup (e2e, and the Slurm file's own lane): they share one server. The
// state lives on globalThis because each project may load this module afresh.
interface Shared {
  provided?: Promise<ProvidedSshd>;
  users: number;
  teardown?: () => Promise<void>;
}
const shared = globalThis as typeof globalThis & { __mtrE2eSshd?: Shared };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const state = (shared.__mtrE2eSshd ??= { users: 0 });
  state.provided ??= startShared(state);
  state.users += 1;
  project.provide('sshd', await state.provided);
  return async () => {
    state.users -= 1;
    if (state.users === 0) await state.teardown?.();
  };
}

async function startShared(state: Shared): Promise<ProvidedSshd> {
  const skipReason = findSkipReason();
  if (skipReason) {
    if (process.env.CI) {
      throw new Error(`e2e tests cannot run on CI: ${skipReason}. Run: bash scripts/setup.sh`);
    }
    warnSkipped(skipReason);
    return { skipReason };
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-e2e-'));
  // The login account's ~/.bashrc stays out of ssh commands unless MTR_TEST_USER_RC=1: what it
  // prints (a pyenv init racing between concurrent logins, say) is not mtr's output.
  const server = await startSshd({ dir, userRc: process.env.MTR_TEST_USER_RC === '1' });
  // Remote dirs for root and the password user; local projects and homes beside them.
  const remoteRoot = path.join(dir, 'remote');
  const localRoot = path.join(dir, 'local');
  fs.mkdirSync(remoteRoot, { mode: 0o1777 });
  fs.chmodSync(remoteRoot, 0o1777);
  fs.mkdirSync(localRoot);
  // Shared-connection sockets (mtr's connection reuse) of this run live here; see cleanEnv.
  const runtimeDir = path.join(dir, 'run');
  fs.mkdirSync(runtimeDir, { mode: 0o700 });
  process.env.MTR_TEST_RUNTIME_DIR = runtimeDir;
  const provided: ProvidedSshd = {
    host: server.host,
    port: server.port,
    user: server.user,
    dir,
    clientKey: server.clientKey,
    hostKeyPub: server.hostKeyPub,
    knownHostsLine: server.knownHostsLine,
    password: server.password,
    passwordReason: server.passwordReason,
    remoteRoot,
    localRoot,
    tmuxTmpDir: server.tmuxTmpDir,
    logFile: server.logFile,
  };
  state.teardown = async () => {
    // Masters left by runs outlive sshd's listener; end them with the run. A master renames itself
    // `ssh: <socket> [mux]`, so match the folder, not `ControlPath=`.
    spawnSync('pkill', ['-f', `${runtimeDir}/`], { stdio: 'ignore' });
    await server.stop({ killTmux: true });
    if (process.env.MTR_KEEP_TMP) return;
    removeJobRecords(dir, [server.user, server.password?.user]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return provided;
}

// The run's jobs leave records in the logins' real ~/.mtr/jobs (mtr keeps a week of them): those of
// projects below the run's folder go with it, or every later run's job starts count more of them.
function removeJobRecords(runDir: string, users: Array<string | undefined>): void {
  for (const user of users) {
    if (!user) continue;
    const home = spawnSync('sh', ['-c', 'getent passwd "$1" | cut -d: -f6', 'sh', user], { encoding: 'utf8' }).stdout.trim();
    const jobs = path.join(home || '/nonexistent', '.mtr', 'jobs');
    let names: string[];
    try {
      names = fs.readdirSync(jobs);
    } catch {
      continue;
    }
    for (const name of names) {
      let project = '';
      try {
        project = fs.readFileSync(path.join(jobs, name, 'project'), 'utf8').trim();
      } catch {
        continue;
      }
      if (project.startsWith(`${runDir}/`)) fs.rmSync(path.join(jobs, name), { recursive: true, force: true });
    }
  }
}

function findSkipReason(): string | undefined {
  const sshd = canRunSshd() as { ok: boolean; reason?: string };
  if (!sshd.ok) return sshd.reason;
  const missing = REQUIRED_TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length > 0) return `missing tools: ${missing.join(', ')} (run: bash scripts/setup.sh)`;
  return undefined;
}

function warnSkipped(reason: string): void {
  const bar = '!'.repeat(78);
  process.stderr.write(
    [
      '',
      bar,
      '!!  E2E TESTS ARE SKIPPED: no real OpenSSH server can run here.',
      `!!  Reason: ${reason}`,
      '!!  Only unit tests ran. Fix: bash scripts/setup.sh (needs root + apt-get),',
      '!!  or install openssh-server openssh-client rsync sshpass tmux yourself.',
      '!!  (With CI set this is an error, not a warning.)',
      bar,
      '',
      '',
    ].join('\n'),
  );
}
