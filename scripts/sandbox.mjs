// `npm run sandbox [-- --background | --stop]`: a local OpenSSH server for trying mtr by hand.
// State lives in .mtr/sandbox/ (gitignored); .mtr/config.yaml already points at it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isProcessAlive, killAndWait, killTmuxServers, readSshBanner, startSshd } from './sshd-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = path.join(ROOT, '.mtr', 'sandbox');
const STATE_FILE = path.join(DIR, 'state.json');
const KNOWN_HOSTS = path.join(DIR, 'known_hosts');
const PASSWORD_FILE = path.join(DIR, 'password');
const CONFIG_PORT = 2222;
const USAGE = `usage: npm run sandbox [-- --background | --stop]
  (no flag)     run in the foreground; Ctrl+C stops it
  --background  start detached and return once it answers (no-op if already running)
  --stop        stop a background sandbox
  env MTR_SANDBOX_PORT overrides port ${CONFIG_PORT}`;

async function main(argv, env) {
  const flags = new Set(argv);
  if (flags.has('-h') || flags.has('--help')) return void console.log(USAGE);
  const unknown = [...flags].filter((flag) => !['--background', '--stop'].includes(flag));
  if (unknown.length > 0 || (flags.has('--background') && flags.has('--stop'))) {
    console.error(`sandbox: unexpected arguments: ${argv.join(' ')}\n${USAGE}`);
    return 2;
  }
  const port = parsePort(env.MTR_SANDBOX_PORT);
  if (port === undefined) {
    console.error(`sandbox: MTR_SANDBOX_PORT must be an integer 1-65535, got "${env.MTR_SANDBOX_PORT}"`);
    return 2;
  }
  if (flags.has('--stop')) return stop();
  if (flags.has('--background')) return background(port);
  return foreground(port);
}

async function foreground(port) {
  const running = await findRunning();
  if (running) {
    console.error(`sandbox: already running in the background (pid ${running.pid}, port ${running.port}); stop it with: npm run sandbox -- --stop`);
    return 1;
  }
  const server = await start(port, false);
  printInfo(server);
  console.log('\nRunning in the foreground; press Ctrl+C to stop.');
  await new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop({ killTmux: true });
  fs.rmSync(STATE_FILE, { force: true });
  console.log('\nsandbox stopped.');
  return 0;
}

async function background(port) {
  const running = await findRunning();
  if (running && running.port === port) {
    console.log(`sandbox: already running (pid ${running.pid}) on 127.0.0.1:${port}.`);
    return 0;
  }
  if (running) {
    console.error(`sandbox: already running on port ${running.port}, not ${port}; stop it first: npm run sandbox -- --stop`);
    return 1;
  }
  const server = await start(port, true);
  printInfo(server);
  console.log(`\nRunning in the background (pid ${server.pid}); stop it with: npm run sandbox -- --stop`);
  return 0;
}

async function stop() {
  const state = readState();
  if (!state || !isOurSshd(state.pid)) {
    fs.rmSync(STATE_FILE, { force: true });
    console.log('sandbox: not running.');
    return 0;
  }
  await killAndWait(state.pid);
  killTmuxServers(path.join(DIR, 'tmux'));
  fs.rmSync(STATE_FILE, { force: true });
  console.log(`sandbox: stopped (pid ${state.pid}, port ${state.port}).`);
  return 0;
}

async function start(port, detached) {
  const server = await startSshd({ dir: DIR, port, detached });
  fs.writeFileSync(KNOWN_HOSTS, `${server.knownHostsLine}\n`);
  fs.rmSync(PASSWORD_FILE, { force: true });
  if (server.password) fs.writeFileSync(PASSWORD_FILE, `${server.password.password}\n`, { mode: 0o600 });
  fs.writeFileSync(STATE_FILE, `${JSON.stringify({ pid: server.pid, port, startedAt: new Date().toISOString() })}\n`);
  return server;
}

// Running = the recorded pid is alive, is our sshd, and the recorded port still speaks SSH.
async function findRunning() {
  const state = readState();
  if (!state || !isOurSshd(state.pid)) return undefined;
  return (await readSshBanner(state.port)) ? state : undefined;
}

function readState() {
  try {
    const state = JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
    return Number.isInteger(state.pid) && Number.isInteger(state.port) ? state : undefined;
  } catch {
    return undefined;
  }
}

// Guards against a recycled pid: on Linux check the command line names our config.
function isOurSshd(pid) {
  if (!isProcessAlive(pid)) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(path.join(DIR, 'sshd_config'));
  } catch {
    return process.platform !== 'linux';
  }
}

function printInfo(server) {
  const rel = (file) => path.relative(process.cwd(), file) || '.';
  const key = rel(server.clientKey);
  const knownHosts = rel(KNOWN_HOSTS);
  const lines = [
    `mtr sandbox: OpenSSH on ${server.host}:${server.port} (files in ${rel(DIR)})`,
    `  user         ${server.user} (key ${key})`,
    server.password
      ? `  password     ${server.password.user} / ${server.password.password}  (also in ${rel(PASSWORD_FILE)})`
      : `  password     none (${server.passwordReason})`,
    `  known_hosts  ${knownHosts}`,
    `  tmux jobs    TMUX_TMPDIR=${rel(server.tmuxTmpDir)} on the server side`,
    `  log          ${rel(server.logFile)}`,
    '',
    'Try it:',
    `  ssh -i ${key} -p ${server.port} -o UserKnownHostsFile=${knownHosts} ${server.host}`,
    '  mtr in this repo uses .mtr/config.yaml, which points here (server "sandbox", remote_dir /tmp/mtr-sandbox/mtr-demo)',
  ];
  if (server.port !== CONFIG_PORT) {
    lines.push(`  note: .mtr/config.yaml says port ${CONFIG_PORT}; pass your own config for port ${server.port}.`);
  }
  console.log(lines.join('\n'));
}

function parsePort(value) {
  if (value === undefined || value === '') return CONFIG_PORT;
  const port = Number(value);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : undefined;
}

main(process.argv.slice(2), process.env).then(
  (code) => (process.exitCode = code ?? 0),
  (error) => {
    console.error(`sandbox: ${error.message}`);
    process.exitCode = 1;
  },
);
