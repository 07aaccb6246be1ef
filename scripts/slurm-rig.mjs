// A throwaway single-host Slurm cluster for the e2e tests: munged with a fresh key, slurmctld and two
// slurmd (nodes n1 and n2, two fake GPUs each), all on this machine, all files in one folder.
// Plain JS, no dependencies. Needs root (slurmd starts jobs as their owner) and Debian's slurm-wlm + munge.
// Any local user can be its client: the conf files are world-readable and munged's socket reachable.
// Clients reach it with SLURM_CONF=<dir>/slurm.conf (the conf names munged's private socket).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const NODES = ['n1', 'n2'];
export const PARTITION = 'debug';
const GPUS_PER_NODE = 2;
const CPUS_PER_NODE = 4;
const READY_TIMEOUT_MS = 30_000;
const TOOLS = ['munged', 'slurmctld', 'slurmd', 'srun', 'sbatch', 'squeue', 'scancel', 'scontrol', 'sinfo'];

/** @returns {{ ok: true } | { ok: false, reason: string }} */
export function canRunSlurm() {
  if (process.platform !== 'linux') return { ok: false, reason: 'the Slurm rig needs Linux' };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { ok: false, reason: 'the Slurm rig needs root (slurmd starts jobs as their user)' };
  const missing = TOOLS.filter((tool) => !findTool(tool));
  if (missing.length) return { ok: false, reason: `missing ${missing.join(', ')} (apt-get install slurm-wlm munge, or run: bash scripts/setup.sh)` };
  if (spawnSync('id', ['-u', 'munge'], { stdio: 'ignore' }).status !== 0) return { ok: false, reason: 'the "munge" user is missing (reinstall munge)' };
  return { ok: true };
}

/**
 * Starts the cluster in `dir` (made fresh). Resolves once both nodes are idle.
 * @param {{ dir: string }} options
 */
export async function startSlurm({ dir }) {
  const check = canRunSlurm();
  if (!check.ok) throw new Error(`cannot start Slurm: ${check.reason}`);
  dir = path.resolve(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  const host = os.hostname().split('.')[0];
  const ports = await freePorts(1 + NODES.length);
  const files = {
    conf: path.join(dir, 'slurm.conf'),
    gres: path.join(dir, 'gres.conf'),
    munge: path.join(dir, 'munge'),
    socket: path.join(dir, 'munge', 'munge.socket'),
    state: path.join(dir, 'state'),
    spool: path.join(dir, 'spool'),
    gpus: path.join(dir, 'gpus'),
    work: path.join(dir, 'work'),
  };
  for (const folder of [files.state, files.spool, files.gpus, files.work]) fs.mkdirSync(folder, { recursive: true });
  for (const node of NODES) fs.mkdirSync(path.join(files.spool, node), { recursive: true });
  prepareMunge(files);
  prepareGpus(files.gpus);
  fs.writeFileSync(files.gres, buildGresConf(files.gpus));
  fs.writeFileSync(files.conf, buildSlurmConf({ host, dir, files, ctldPort: ports[0], nodePorts: ports.slice(1) }));
  // Clients of other users (the suite's password user) read SLURM_CONF and what it names, whatever
  // the umask; the work folder stays root's (only the tests' own client commands run there).
  for (const file of [files.conf, files.gres]) fs.chmodSync(file, 0o644);
  const env = { ...process.env, SLURM_CONF: files.conf };
  for (const key of Object.keys(env)) if (key.startsWith('SLURM_') && key !== 'SLURM_CONF') delete env[key];

  const rig = {
    dir,
    conf: files.conf,
    /** Where Slurm client commands of the rig run (their slurm-N.out files land here). */
    work: files.work,
    env,
    nodes: NODES,
    partition: PARTITION,
    stop: () => stopSlurm(rig, files),
  };
  try {
    await startMunge(files);
    daemon('slurmctld', ['-f', files.conf], env, files.work);
    await waitFor(() => run('scontrol', ['ping'], env, files.work).stdout.includes('UP'), 'slurmctld to answer', dir);
    for (const node of NODES) daemon('slurmd', ['-f', files.conf, '-N', node], env, files.work);
    await waitFor(() => nodesIdle(env, files.work), 'both nodes to be idle', dir);
  } catch (error) {
    await rig.stop();
    throw error;
  }
  return rig;
}

export function buildSlurmConf({ host, dir, files, ctldPort, nodePorts }) {
  const nodeLines = NODES.map(
    (node, index) =>
      `NodeName=${node} NodeHostname=${host} NodeAddr=127.0.0.1 Port=${nodePorts[index]} CPUs=${CPUS_PER_NODE} RealMemory=1000 Gres=gpu:fake:${GPUS_PER_NODE} State=UNKNOWN`,
  );
  return [
    'ClusterName=mtrtest',
    `SlurmctldHost=${host}`,
    `SlurmctldPort=${ctldPort}`,
    'SlurmUser=root',
    'SlurmdUser=root',
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${files.socket}`,
    `StateSaveLocation=${files.state}`,
    `SlurmdSpoolDir=${files.spool}/%n`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`,
    `SlurmdPidFile=${dir}/slurmd-%n.pid`,
    `SlurmctldLogFile=${dir}/slurmctld.log`,
    `SlurmdLogFile=${dir}/slurmd-%n.log`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'MpiDefault=none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    'SchedulerType=sched/backfill',
    'SchedulerParameters=batch_sched_delay=0',
    'EnforcePartLimits=ALL',
    'KillWait=5',
    'MinJobAge=3600',
    'ReturnToService=2',
    'InactiveLimit=0',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'SlurmdParameters=config_overrides',
    'CommunicationParameters=NoInAddrAny',
    'GresTypes=gpu',
    ...nodeLines,
    `PartitionName=${PARTITION} Nodes=${NODES.join(',')} Default=YES MaxTime=INFINITE State=UP`,
    '',
  ].join('\n');
}

function buildGresConf(gpuDir) {
  const lines = ['AutoDetect=off'];
  NODES.forEach((node, index) => {
    const first = index * GPUS_PER_NODE;
    lines.push(`NodeName=${node} Name=gpu Type=fake File=${gpuDir}/fakegpu[${first}-${first + GPUS_PER_NODE - 1}]`);
  });
  return `${lines.join('\n')}\n`;
}

// Clones of /dev/null: slurmd insists that a GPU's File= is a character device.
function prepareGpus(gpuDir) {
  for (let i = 0; i < NODES.length * GPUS_PER_NODE; i++) {
    const result = spawnSync('mknod', ['-m', '0666', path.join(gpuDir, `fakegpu${i}`), 'c', '1', '3'], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`mknod failed: ${result.stderr}`);
  }
}

function prepareMunge(files) {
  fs.mkdirSync(files.munge, { mode: 0o700 });
  fs.writeFileSync(path.join(files.munge, 'munge.key'), randomBytes(1024), { mode: 0o400 });
  for (const sub of ['log', 'lib']) fs.mkdirSync(path.join(files.munge, sub), { mode: 0o700 });
  run('chown', ['-R', 'munge:munge', files.munge]);
  // The socket's folder: searchable by every user (munged makes the socket itself 0777), writable
  // only by munge (munged refuses a socket folder others can write to). Key, log and seed stay 0700.
  fs.chmodSync(files.munge, 0o755);
}

async function startMunge(files) {
  const result = run('runuser', [
    '-u', 'munge', '--', findTool('munged'),
    `--socket=${files.socket}`,
    `--key-file=${path.join(files.munge, 'munge.key')}`,
    `--pid-file=${path.join(files.munge, 'munged.pid')}`,
    `--log-file=${path.join(files.munge, 'log', 'munged.log')}`,
    `--seed-file=${path.join(files.munge, 'lib', 'munged.seed')}`,
  ]);
  if (result.status !== 0) throw new Error(`munged did not start: ${result.stderr.trim()}`);
  await waitFor(() => fs.existsSync(files.socket), 'munged\'s socket', files.munge);
}

async function stopSlurm(rig, files) {
  const { env, work, dir } = rig;
  // Jobs first, while slurmctld can still end them; then the daemons by their PID files.
  if (fs.existsSync(path.join(dir, 'slurmctld.pid'))) {
    // Every user's jobs (the tests log in as root and as an ordinary user).
    const ids = run('squeue', ['-h', '-t', 'PD,R,CG,S', '-o', '%i'], env, work).stdout.split('\n').map((id) => id.trim()).filter(Boolean);
    if (ids.length) run('scancel', ['--full', ...ids], env, work);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && run('squeue', ['-h', '-t', 'PD,R,CG,S', '-o', '%i'], env, work).stdout.trim()) await sleep(200);
  }
  const stepds = findStepds(files.spool);
  for (const node of NODES) await killPidFile(path.join(dir, `slurmd-${node}.pid`));
  await killPidFile(path.join(dir, 'slurmctld.pid'));
  await killPidFile(path.join(files.munge, 'munged.pid'));
  for (const pid of stepds) await killAndWait(pid);
  if (!process.env.MTR_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
}

// slurmstepd outlives a killed slurmd; ours hold a socket in our spool folder.
function findStepds(spool) {
  const pids = [];
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm !== 'slurmstepd') continue;
      const fds = safeReaddir(`/proc/${entry}/fd`).map((fd) => {
        try {
          return fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
        } catch {
          return '';
        }
      });
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (fds.some((target) => target.startsWith(spool)) || environ.includes(spool)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

function nodesIdle(env, cwd) {
  const out = run('sinfo', ['-h', '-N', '-o', '%N %t'], env, cwd).stdout;
  const states = new Map(out.trim().split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/)));
  return NODES.every((node) => states.get(node) === 'idle');
}

function daemon(tool, args, env, cwd) {
  const result = spawnSync(findTool(tool), args, { env, cwd, encoding: 'utf8', timeout: 15_000 });
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${result.status}): ${result.stderr.trim()}`);
}

function run(command, args, env = process.env, cwd = os.tmpdir()) {
  const result = spawnSync(command, args, { env, cwd, encoding: 'utf8', timeout: 15_000 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? String(result.error ?? '') };
}

async function waitFor(probe, what, dir) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (probe()) return;
    await sleep(100);
  }
  const logs = ['slurmctld.log', 'slurmd-n1.log', 'slurmd-n2.log', 'munge/log/munged.log']
    .map((file) => path.join(dir, file))
    .filter((file) => fs.existsSync(file))
    .map((file) => `--- ${file}\n${fs.readFileSync(file, 'utf8').split('\n').slice(-15).join('\n')}`);
  throw new Error(`timed out waiting for ${what}\n${logs.join('\n')}`);
}

async function killPidFile(file) {
  let pid;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return;
  }
  if (pid > 1) await killAndWait(pid);
}

async function killAndWait(pid, graceMs = 5000) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isAlive(pid)) await sleep(50);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

// A zombie still has its /proc entry: look at the state field.
function isAlive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function freePorts(count) {
  const servers = [];
  const ports = [];
  for (let i = 0; i < count; i++) {
    const server = net.createServer();
    await new Promise((resolve, reject) => server.listen(0, '127.0.0.1', resolve).on('error', reject));
    ports.push(server.address().port);
    servers.push(server);
  }
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function findTool(name) {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin', '/sbin']) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return undefined;
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
