// Link rows for `npm run bench` (bench/run.mjs): mtr over a link with a round-trip time against the
// best hand-made OpenSSH equivalent, in the same run. The bench's sshd sits behind delay-proxy.mjs
// (RTT from MTR_BENCH_RTT_MS, default 50 ms); the hand-made side uses a ControlMaster of its own
// wherever OpenSSH users would have one (all rows but the cold one). Plus one loopback row: the warm
// run against ssh through a ControlMaster with no delay (Node's own start is what remains there).
//
// Rows (goals from the speed-over-a-link issue):
//   cold run: `mtr --no-sync --no-reuse true` vs `ssh -o ControlPath=none … true`           (≤ 0.9x)
//   warm run: `mtr --no-sync true` vs `ssh` through a ControlMaster, runs 0.5 s apart          (≤ 1.1x)
//   the same, back to back (the spare channel still opening)                                 (≤ 1.1x)
//   a job that ends after 2 s of quiet: `mtr --no-sync sleep 2` vs `ssh … sleep 2` (CM)       (≤ 1.05x)
//   edit one file of 10k, then run: `mtr true` vs `rsync … && ssh … true` (ControlMaster)   (≤ 0.8x)
//   no change in 10k files, then run: the same pair                                          (≤ 0.8x)
//   fresh upload of 2,000 small files: `mtr true` (sync: sftp) vs `rsync -rlpt`              (≤ 1.5x)
//   `mtr --jobs` vs `ssh … tmux -L mtr ls` through a ControlMaster                           (≤ 1.2x)
//   loopback warm run: `mtr --no-sync true` vs `ssh` through a ControlMaster                 (≤ 1.5x)
// The warm rows, the quiet job, `--jobs` and the loopback row leave BENCH_GAP_MS (default 500) before each run.
// Env: MTR_BENCH_RTT_MS (default 50), BENCH_LINK_RUNS (iterations per side, default 7).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { benchRttMs, spawnDelayProxy } from './delay-proxy.mjs';
import { makeRemoteDir } from './login.mjs';
import { ensureTree } from './sync.mjs';

const LINK_RUNS = Number(process.env.BENCH_LINK_RUNS ?? 7);
const FRESH_FILES = 2000;
/** Idle time before each timed run of the warm rows (both sides). */
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 500);

const shellQuote = (word) => `'${String(word).replace(/'/g, `'\\''`)}'`;

function copyTree(from, to, filter = () => true) {
  fs.cpSync(from, to, { recursive: true, filter: (src) => filter(path.relative(from, src)) });
}

/**
 * Rows in run.mjs's shape, plus close() for what they started (the proxy, the hand-made masters).
 * `helpers`: { mtrBin } from run.mjs.
 */
export function linkRows({ mtrBin }) {
  const rtt = benchRttMs();
  let state;
  const stops = [];

  // Filled on first use: the proxy, the projects and both hand-made masters.
  const setup = async (rig) => {
    if (state) return state;
    const proxy = await spawnDelayProxy({ host: rig.sshd.host, port: rig.sshd.port }, rtt);
    stops.push(() => proxy.stop());
    // The proxy's port is another known_hosts name for the same host key.
    fs.appendFileSync(rig.knownHosts, `[${rig.sshd.host}]:${proxy.port} ${rig.sshd.hostKeyPub}\n`);
    const base = path.join(path.dirname(rig.remoteDir), 'link');
    makeRemoteDir(rig.login, base);
    const remote = (name) => path.join(base, name);
    const root = path.join(path.dirname(rig.project), 'link');
    const projects = { small: path.join(root, 'small'), tree: path.join(root, 'tree'), fresh: path.join(root, 'fresh') };
    fs.mkdirSync(path.join(projects.small, 'src'), { recursive: true });
    fs.writeFileSync(path.join(projects.small, 'src', 'train.py'), 'print("hi")\n');
    // The sync bench's 10k-file tree (its src/ only: no big files) and 2,000 of its small files.
    const small = ensureTree('small');
    copyTree(path.join(small, 'src'), path.join(projects.tree, 'src'));
    copyTree(path.join(small, 'src'), path.join(projects.fresh, 'src'), (rel) => rel === '' || Number(/^d(\d+)/.exec(rel)?.[1] ?? 0) < FRESH_FILES / 100);
    for (const name of ['linkSmall', 'loopSmall', 'tree']) makeRemoteDir(rig.login, remote(name));
    const server = (name, port, remoteDir, sync = 'auto') => [
      `  ${name}:`,
      `    host: ${rig.sshd.host}`,
      `    port: ${port}`,
      `    user: ${rig.login.user}`,
      `    key_filename: ${JSON.stringify(rig.sshd.clientKey)}`,
      `    remote_dir: ${JSON.stringify(remoteDir)}`,
      `    sync: ${sync}`,
    ];
    const configs = {
      small: [...server('link', proxy.port, remote('linkSmall')), ...server('loop', rig.sshd.port, remote('loopSmall'))],
      tree: server('link', proxy.port, remote('tree')),
      fresh: server('link', proxy.port, remote('freshMtr'), 'sftp'),
    };
    for (const [name, lines] of Object.entries(configs)) {
      fs.mkdirSync(path.join(projects[name], '.mtr'), { recursive: true });
      fs.writeFileSync(path.join(projects[name], '.mtr', 'config.yaml'), ['servers:', ...lines, ''].join('\n'));
    }
    // The hand-made side's masters: one through the proxy, one on loopback (sockets in the
    // bench's runtime folder, which run.mjs clears of processes at the end).
    const runtime = rig.env.XDG_RUNTIME_DIR;
    const masters = { link: path.join(runtime, 'hand-link.sock'), loop: path.join(runtime, 'hand-loop.sock') };
    const ports = { link: proxy.port, loop: rig.sshd.port };
    const ssh = (where, ...command) => [
      '-F', '/dev/null',
      '-p', String(ports[where]),
      '-i', rig.sshd.clientKey,
      '-o', 'IdentitiesOnly=yes',
      '-o', `UserKnownHostsFile=${rig.knownHosts}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'BatchMode=yes',
      '-o', `ControlPath=${where === 'cold' ? 'none' : masters[where]}`,
      '-l', rig.login.user,
      rig.sshd.host,
      ...command,
    ];
    for (const where of ['link', 'loop']) {
      const started = spawnSync('ssh', ['-M', '-f', '-N', '-o', 'ControlPersist=yes', ...ssh(where)], { env: rig.env, stdio: 'ignore', timeout: 30_000 });
      if (started.status !== 0) throw new Error(`could not start the hand-made ControlMaster (${where}): exit ${started.status}`);
      stops.push(() => spawnSync('ssh', ['-O', 'exit', ...ssh(where)], { env: rig.env, stdio: 'ignore', timeout: 10_000 }));
    }
    // The cold hand-made twin: the proxy's port, no master.
    ports.cold = proxy.port;
    // A job, so that `tmux -L mtr ls` has a server to list (and --jobs something to show).
    const job = spawnSync(process.execPath, [mtrBin, '-s', 'link', '--no-sync', '--detach', '--name', 'bench-sleeper', 'sleep', '3600'], { cwd: projects.small, env: rig.env, encoding: 'utf8', timeout: 60_000 });
    if (job.status !== 0) throw new Error(`could not start the bench job: ${job.stderr}`);
    state = { proxy, projects, remote, ssh, base };
    return state;
  };

  const mtrIn = (project, ...args) => (rig) => ({ command: mtrBin, args, cwd: state.projects[project] });
  const sshSpec = (where, ...command) => () => ({ command: 'ssh', args: state.ssh(where, ...command) });
  const rsyncAndRun = (flags, dest) => () => {
    const e = ['ssh', ...state.ssh('link').slice(0, -1)].map(shellQuote).join(' ');
    const rsync = ['rsync', ...flags, '-e', e, `${state.projects.tree}/`, `${state.ssh('link').at(-1)}:${dest}/`];
    const line = `${rsync.map(shellQuote).join(' ')} && ${['ssh', ...state.ssh('link', 'true')].map(shellQuote).join(' ')}`;
    return { command: 'sh', args: ['-c', line] };
  };

  // The edited file's new content differs on every iteration (same size: only the content changes).
  let edits = 0;
  const editOne = () => {
    const file = path.join(state.projects.tree, 'src', 'd0000', 'f000.py');
    const text = fs.readFileSync(file);
    text.write(String(++edits % 10), 0);
    fs.writeFileSync(file, text);
  };

  // A fresh upload: each side writes into a new empty folder (a symlink switched to it), deleted
  // only after the row (see sync.mjs: deleting 10k files slowed the next creations for a while).
  let generation = 0;
  const freshLink = (side) => state.remote(side === 'run' ? 'freshMtr' : 'freshRsync');
  const freshTarget = (rig, side) => {
    const link = freshLink(side);
    const target = `${link}-${++generation}`;
    makeRemoteDir(rig.login, target);
    fs.rmSync(`${link}.next`, { force: true });
    fs.symlinkSync(target, `${link}.next`);
    fs.renameSync(`${link}.next`, link);
  };

  const at = `RTT ${rtt} ms`;
  const rows = [
    {
      name: `link (${at}) cold run: \`mtr --no-sync --no-reuse true\` vs \`ssh -o ControlPath=none … true\``,
      runs: LINK_RUNS,
      run: mtrIn('small', '-s', 'link', '--no-sync', '--no-reuse', 'true'),
      baseline: sshSpec('cold', 'true'),
      goal: 0.9,
    },
    {
      // The warm-up runs leave mtr's shared connection that the measured runs use. Runs come half a
      // second apart, as from a person or an agent: the spare channel the run before left is open.
      name: `link (${at}) warm run: \`mtr --no-sync true\` vs \`ssh … true\` through a ControlMaster`,
      runs: LINK_RUNS,
      gapMs: GAP_MS,
      run: mtrIn('small', '-s', 'link', '--no-sync', 'true'),
      baseline: sshSpec('link', 'true'),
      goal: 1.1,
    },
    {
      // The same, back to back: the spare is still opening when the next run comes.
      name: `link (${at}) warm run back to back (no gap): the same pair`,
      runs: LINK_RUNS,
      run: mtrIn('small', '-s', 'link', '--no-sync', 'true'),
      baseline: sshSpec('link', 'true'),
      goal: 1.1,
    },
    {
      // A job that ends after a quiet spell: its end is seen when its rc is written (the wrapper
      // wakes the streamer), not at the streamer's next look (every 0.5 s once a job is quiet).
      name: `link (${at}) a job that ends after 2 s of quiet: \`mtr --no-sync sleep 2\` vs \`ssh … sleep 2\` through a ControlMaster`,
      runs: LINK_RUNS,
      gapMs: GAP_MS,
      run: mtrIn('small', '-s', 'link', '--no-sync', 'sleep', '2'),
      baseline: sshSpec('link', 'sleep 2'),
      goal: 1.05,
    },
    {
      name: `link (${at}) edit one file of 10k, then run: \`mtr true\` vs \`rsync … && ssh … true\` (ControlMaster)`,
      runs: LINK_RUNS,
      before: () => editOne(),
      run: mtrIn('tree', '-s', 'link', 'true'),
      baseline: () => rsyncAndRun(['-rlptz'], state.remote('treeByHand'))(),
      goal: 0.8,
    },
    {
      name: `link (${at}) no change in 10k files, then run: \`mtr true\` vs \`rsync … && ssh … true\` (ControlMaster)`,
      runs: LINK_RUNS,
      run: mtrIn('tree', '-s', 'link', 'true'),
      baseline: () => rsyncAndRun(['-rlptz'], state.remote('treeByHand'))(),
      goal: 0.8,
    },
    {
      name: `link (${at}) fresh upload of 2,000 small files: \`mtr true\` (sync: sftp) vs \`rsync -rlpt\` (ControlMaster)`,
      runs: LINK_RUNS,
      warmup: 1,
      prepare: (rig, side) => freshTarget(rig, side),
      after: () => {
        for (const name of fs.readdirSync(state.base)) if (/^fresh(Mtr|Rsync)/.test(name)) fs.rmSync(path.join(state.base, name), { recursive: true, force: true });
      },
      run: mtrIn('fresh', '-s', 'link', 'true'),
      baseline: () => {
        const e = ['ssh', ...state.ssh('link').slice(0, -1)].map(shellQuote).join(' ');
        return { command: 'rsync', args: ['-rlpt', '-e', e, `${state.projects.fresh}/`, `${state.ssh('link').at(-1)}:${freshLink('baseline')}/`] };
      },
      goal: 1.5,
    },
    {
      name: `link (${at}) \`mtr --jobs\` vs \`ssh … tmux -L mtr ls\` through a ControlMaster`,
      runs: LINK_RUNS,
      gapMs: GAP_MS,
      run: mtrIn('small', '-s', 'link', '--jobs'),
      baseline: sshSpec('link', 'tmux -L mtr ls'),
      goal: 1.2,
    },
    {
      name: 'link (loopback, no delay) warm run: `mtr --no-sync true` vs `ssh … true` through a ControlMaster',
      gapMs: GAP_MS,
      run: mtrIn('small', '-s', 'loop', '--no-sync', 'true'),
      baseline: sshSpec('loop', 'true'),
      goal: 1.5,
    },
  ];
  // run.mjs awaits a row's setup(rig) before timing it.
  for (const row of rows) row.setup = setup;
  return {
    rows,
    rtt,
    close: () => {
      for (const stop of stops.splice(0).reverse()) {
        try {
          stop();
        } catch {
          // best effort: run.mjs ends the runtime folder's processes anyway
        }
      }
    },
  };
}
