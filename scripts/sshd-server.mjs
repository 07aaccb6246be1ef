// A throwaway OpenSSH server on 127.0.0.1 for the e2e tests and `npm run sandbox`.
// Plain JS, no dependencies: it must run before `npm ci` and outside vitest.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const PASSWORD_USER = 'mtrpass';
/** Root-only, machine-wide: the random password of PASSWORD_USER, made once and reused. */
export const PASSWORD_FILE = '/var/lib/mtr-test-rig/mtrpass.password';
const HOST = '127.0.0.1';
const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/opt/homebrew/sbin/sshd'];
const READY_TIMEOUT_MS = 10_000;

// sshd must be started by absolute path (it re-executes itself), so PATH lookup is only a fallback.
export function findSshd() {
  const dirs = [...SSHD_CANDIDATES.map(path.dirname), ...(process.env.PATH ?? '').split(path.delimiter)];
  for (const dir of dirs) {
    const file = path.join(dir, 'sshd');
    if (dir && path.isAbsolute(file) && isExecutable(file)) return file;
  }
  return undefined;
}

/** @returns {{ ok: true } | { ok: false, reason: string }} */
export function canRunSshd() {
  if (process.platform === 'win32') return { ok: false, reason: 'OpenSSH sshd rig needs Linux or macOS' };
  if (!findSshd()) return { ok: false, reason: 'sshd not found (install openssh-server, or run: bash scripts/setup.sh)' };
  if (!commandExists('ssh-keygen')) return { ok: false, reason: 'ssh-keygen not found (install openssh-client)' };
  if (isRoot()) {
    // As root sshd insists on its privilege-separation user.
    if (!userExists('sshd')) return { ok: false, reason: 'the "sshd" privilege separation user is missing (reinstall openssh-server)' };
    return { ok: true };
  }
  // Without root sshd still runs, but can only log in as the current user.
  return { ok: true };
}

/**
 * Start sshd on 127.0.0.1 with throwaway keys kept in `dir`.
 * `userRc: false` keeps the login account's ~/.bashrc out of ssh commands (see buildSshdConfig).
 * @param {{ dir: string, port?: number, passwordUser?: boolean, detached?: boolean, readyTimeoutMs?: number, userRc?: boolean }} options
 */
export async function startSshd({ dir, port = 0, passwordUser = true, detached = false, readyTimeoutMs = READY_TIMEOUT_MS, userRc = true }) {
  const check = canRunSshd();
  if (!check.ok) throw new Error(`cannot start sshd: ${check.reason}`);
  dir = path.resolve(dir);
  fs.mkdirSync(dir, { recursive: true });
  // Other local users (the password user) must reach the remote dirs and the tmux dir under here.
  fs.chmodSync(dir, 0o755);
  const files = prepareFiles(dir);
  const user = os.userInfo().username;
  const password = passwordUser ? preparePasswordUser() : { password: undefined, reason: 'password user not requested' };

  // Port 0 races with other processes picking the same free port: retry on a bind failure.
  const attempts = port === 0 ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const chosen = port === 0 ? await findFreePort() : port;
    if (port !== 0 && (await isPortOpen(chosen))) {
      throw new Error(`port ${chosen} on ${HOST} is already in use (another sshd or sandbox running? try: npm run sandbox -- --stop)`);
    }
    writeConfig(dir, files, chosen, userRc);
    const server = await launch({ dir, files, port: chosen, detached, readyTimeoutMs });
    if (server.ok) {
      const hostKeyPub = readPublicKey(files.hostKey);
      return {
        port: chosen,
        host: HOST,
        dir,
        hostKeyPub,
        knownHostsLine: `${knownHostsName(HOST, chosen)} ${hostKeyPub}`,
        clientKey: files.clientKey,
        user,
        password: password.password,
        passwordReason: password.reason,
        tmuxTmpDir: files.tmuxDir,
        logFile: files.logFile,
        pid: server.child.pid,
        stop: (opts) => stopSshd(server.child, dir, opts),
      };
    }
    if (!(server.bindFailed && attempt < attempts)) throw new Error(server.message);
  }
}

/** `[host]:port` as known_hosts spells it (plain host for port 22). */
export function knownHostsName(host, port) {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Resolve once a TCP connection to host:port sends an SSH banner; false on timeout or refusal. */
export function readSshBanner(port, host = HOST, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let data = '';
    const done = (value) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\n')) done(data.startsWith('SSH-') ? data.trim() : false);
    });
    socket.on('close', () => done(false));
  });
}

export function isPortOpen(port, host = HOST) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

// Jobs started through the rig live on tmux servers under the rig's TMUX_TMPDIR: end them with the server.
export function killTmuxServers(tmuxDir) {
  if (!fs.existsSync(tmuxDir) || !commandExists('tmux')) return;
  for (const uidDir of safeReaddir(tmuxDir)) {
    for (const socket of safeReaddir(path.join(tmuxDir, uidDir))) {
      spawnSync('tmux', ['-S', path.join(tmuxDir, uidDir, socket), 'kill-server'], { stdio: 'ignore', timeout: 5000 });
    }
  }
}

export function isProcessAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Send SIGTERM, then SIGKILL after `graceMs`; resolves when the pid is gone. */
export async function killAndWait(pid, graceMs = 5000) {
  if (!isProcessAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isProcessAlive(pid) && !isZombie(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
      await sleep(100);
      return;
    }
    await sleep(50);
  }
}

function prepareFiles(dir) {
  const files = {
    hostKey: path.join(dir, 'host_ed25519_key'),
    clientKey: path.join(dir, 'client_key'),
    authorizedKeys: path.join(dir, 'authorized_keys'),
    config: path.join(dir, 'sshd_config'),
    pidFile: path.join(dir, 'sshd.pid'),
    logFile: path.join(dir, 'sshd.log'),
    tmuxDir: path.join(dir, 'tmux'),
  };
  ensureKey(files.hostKey, 'mtr-test-host');
  ensureKey(files.clientKey, 'mtr-test-client');
  fs.writeFileSync(files.authorizedKeys, fs.readFileSync(`${files.clientKey}.pub`));
  fs.mkdirSync(files.tmuxDir, { recursive: true });
  fs.chmodSync(files.tmuxDir, 0o1777);
  if (isRoot()) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  return files;
}

// Reused when present so the sandbox keeps its identity (and known_hosts line) across restarts.
function ensureKey(file, comment) {
  if (fs.existsSync(file) && fs.existsSync(`${file}.pub`)) return;
  fs.rmSync(file, { force: true });
  fs.rmSync(`${file}.pub`, { force: true });
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  fs.chmodSync(file, 0o600);
}

function readPublicKey(file) {
  const [type, key] = fs.readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
  return `${type} ${key}`;
}

/** The sshd_config text; pure so it can be read and reasoned about in one place. */
export function buildSshdConfig({ port, files, passwordUser = PASSWORD_USER, perSourcePenalties = false, userRc = true }) {
  return [
    '# Generated by scripts/sshd-server.mjs: a throwaway server for mtr tests and the sandbox.',
    `ListenAddress ${HOST}`,
    `Port ${port}`,
    `HostKey ${files.hostKey}`,
    `PidFile ${files.pidFile}`,
    `AuthorizedKeysFile ${files.authorizedKeys}`,
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin yes',
    'MaxSessions 30',
    'MaxStartups 100',
    'LogLevel VERBOSE',
    'Subsystem sftp internal-sftp',
    // No AcceptEnv line: nothing is accepted, like a stock server that drops the exec `env` option.
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    // Jobs get a private tmux dir so test runs never meet the user's (or another run's) tmux server.
    // sshd reads only the first SetEnv line, so everything goes on this one. SHLVL=1 (userRc false)
    // makes bash skip ~/.bashrc for ssh commands: the tests then see mtr's output, not whatever the
    // login account's dotfiles print (e.g. a pyenv init racing itself between concurrent logins).
    `SetEnv TMUX_TMPDIR=${files.tmuxDir}${userRc ? '' : ' SHLVL=1'}`,
    // OpenSSH >= 9.8 would otherwise lock 127.0.0.1 out after the wrong-password tests.
    ...(perSourcePenalties ? ['PerSourcePenalties no'] : []),
    // Match blocks must come last.
    `Match User ${passwordUser}`,
    '  PasswordAuthentication yes',
    '',
  ].join('\n');
}

function writeConfig(dir, files, port, userRc) {
  // Try with PerSourcePenalties first; older sshd (Debian 12 has 9.2) rejects the keyword.
  for (const perSourcePenalties of [true, false]) {
    fs.writeFileSync(files.config, buildSshdConfig({ port, files, perSourcePenalties, userRc }));
    const test = spawnSync(findSshd(), ['-t', '-f', files.config], { encoding: 'utf8' });
    if (test.status === 0) return;
    const output = `${test.stderr ?? ''}${test.stdout ?? ''}`.trim();
    if (perSourcePenalties && /PerSourcePenalties/i.test(output)) continue;
    throw new Error(`sshd rejected the generated config ${files.config}:\n${output || test.error?.message}`);
  }
}

async function launch({ dir, files, port, detached, readyTimeoutMs }) {
  const log = fs.openSync(files.logFile, 'a');
  const logStart = fs.fstatSync(log).size;
  fs.rmSync(files.pidFile, { force: true });
  const child = spawn(findSshd(), ['-D', '-e', '-f', files.config], {
    cwd: dir,
    stdio: ['ignore', log, log],
    detached,
  });
  fs.closeSync(log);
  if (detached) child.unref();
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.on('error', (error) => (exited = { code: null, signal: null, error }));

  // Ready = our sshd logged its bind (not some other server on the port) and the port speaks SSH.
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline && !exited) {
    const logText = readFrom(files.logFile, logStart);
    if (logText.includes(`Server listening on ${HOST} port ${port}`) && (await readSshBanner(port))) {
      if (!exited) return { ok: true, child };
    }
    await sleep(50);
  }
  if (!exited) await killAndWait(child.pid, 1000);
  const logText = readFrom(files.logFile, logStart);
  const why = exited
    ? `sshd exited early (${exited.error?.message ?? `code ${exited.code}, signal ${exited.signal}`})`
    : `sshd did not answer on ${HOST}:${port} within ${readyTimeoutMs} ms`;
  return {
    ok: false,
    bindFailed: /Address already in use|Cannot bind any address/i.test(logText),
    message: `${why}. Last lines of ${files.logFile}:\n${tail(logText, 20)}`,
  };
}

async function stopSshd(child, dir, { killTmux = true } = {}) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  if (killTmux) killTmuxServers(path.join(dir, 'tmux'));
}

function preparePasswordUser() {
  if (!isRoot()) return { password: undefined, reason: `not root: cannot create the "${PASSWORD_USER}" user for password tests` };
  if (!commandExists('useradd') || !commandExists('chpasswd')) {
    return { password: undefined, reason: 'useradd/chpasswd not found: cannot create the password user' };
  }
  if (!userExists(PASSWORD_USER)) run('useradd', ['-m', '-s', '/bin/bash', PASSWORD_USER]);
  const password = readOrCreatePassword();
  // Set on every start, in case someone changed it; same value, so concurrent servers agree.
  run('chpasswd', [], `${PASSWORD_USER}:${password}\n`);
  return { password: { user: PASSWORD_USER, password }, reason: undefined };
}

// The user is machine-wide, so its password is too: a fresh one per start broke the test run of
// whoever had started their server (or the sandbox) a moment earlier.
function readOrCreatePassword() {
  fs.mkdirSync(path.dirname(PASSWORD_FILE), { recursive: true, mode: 0o700 });
  try {
    // 'wx': when two servers start at once, one creates the file and the other reads it.
    fs.writeFileSync(PASSWORD_FILE, `${randomBytes(18).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const password = fs.readFileSync(PASSWORD_FILE, 'utf8').trim();
    if (password) return password;
    spawnSync('sleep', ['0.02']); // the creator has not written it yet
  }
  throw new Error(`${PASSWORD_FILE} is empty: delete it and start again`);
}

function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(command, args, input) {
  const result = spawnSync(resolveCommand(command) ?? command, args, { input, encoding: 'utf8' });
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout || result.error?.message || '').trim();
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${detail}`);
  }
  return result.stdout;
}

// sbin dirs are searched too: useradd/chpasswd/sshd live there and are often missing from PATH.
function resolveCommand(name) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  return dirs.map((dir) => dir && path.join(dir, name)).find((file) => file && isExecutable(file));
}

function commandExists(name) {
  return resolveCommand(name) !== undefined;
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function userExists(name) {
  return spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

// A detached sshd we did not spawn in this process is never reaped by us: treat a zombie as gone.
function isZombie(pid) {
  try {
    return /\)\s+Z\s/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function readFrom(file, offset) {
  try {
    const buffer = fs.readFileSync(file);
    return buffer.subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

function tail(text, lines) {
  return text.trimEnd().split('\n').slice(-lines).join('\n') || '(empty log)';
}

function safeReaddir(dir) {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
