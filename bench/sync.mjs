// Sync rows for `npm run bench` (bench/run.mjs): mtr's sync against rsync by hand, on generated trees
// kept under os.tmpdir() between rows and runs (10,000 small files + 3 × 8 MB; 100,000 tiny files).
// Each tree is itself the mtr project: its .mtr/config.yaml names one server per row, all pointing at
// the bench sshd with their own remote_dir, so rows never share a destination.
//
// Rows:
//   1. no-change sync: `mtr true` with sync: sftp vs `rsync -rlptz -e ssh… src/ host:dst/`   (≤ 1.2x)
//   2. fresh upload into a new empty dir: `mtr true` (sftp) vs the same rsync            (≤ 1.5x)
//      on disk (the goal's row), and into tmpfs when /dev/shm exists: no disk, so the row shows
//      what each tool itself costs. Each side writes into a new empty folder after a `sync`, so
//      neither pays for the other's writeback or deletions.
//   3. `mtr true` (rsync engine, no change) vs `rsync … && ssh host true` by hand        (≤ 0.8x)
//   4. peak RSS (/usr/bin/time -v) of `mtr true` syncing 100,000 files fresh, with the default
//      engine (auto → rsync) and with SFTP (the engine that holds the whole plan in Node)  (≤ 150 MB)
// Env: BENCH_SYNC_RUNS (fresh-upload iterations, default 7), BENCH_MEM_RUNS (default 2),
// BENCH_SYNC_CACHE (tree cache folder, default <tmp>/mtr-bench-sync).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeRemoteDir } from './login.mjs';

const CACHE = process.env.BENCH_SYNC_CACHE ?? path.join(os.tmpdir(), 'mtr-bench-sync');
const FRESH_RUNS = Number(process.env.BENCH_SYNC_RUNS ?? 7);
const MEM_RUNS = Number(process.env.BENCH_MEM_RUNS ?? 2);
const MEM_GOAL_MB = 150;
const TIME_BIN = '/usr/bin/time';
// A RAM-backed folder for the no-disk fresh-upload row (Linux); the row is left out without one.
const TMPFS = fs.existsSync('/dev/shm') && fs.statfsSync('/dev/shm').type === 0x01021994 ? path.join('/dev/shm', `mtr-bench-${process.pid}`) : undefined;

// Bump when the generator changes: a stale cache is regenerated, never trusted.
const TREES = {
  small: { version: 'v1', dirs: 100, filesPerDir: 100, minSize: 200, maxSize: 1200, big: 3, bigSize: 8 * 1024 * 1024 },
  huge: { version: 'v1', dirs: 1000, filesPerDir: 100, minSize: 40, maxSize: 160, big: 0, bigSize: 0 },
};

// Deterministic bytes (sha256 counter stream): the same tree on every machine, no RNG state.
function bytes(seed, length) {
  const out = Buffer.alloc(length);
  for (let offset = 0, i = 0; offset < length; i++) offset += createHash('sha256').update(`${seed}:${i}`).digest().copy(out, offset);
  return out;
}

/** The cached tree's root; generated (into a temp name, then renamed) when missing or stale. */
export function ensureTree(kind) {
  const spec = TREES[kind];
  const root = path.join(CACHE, `${kind}-${spec.version}`);
  if (fs.existsSync(path.join(CACHE, `${kind}-${spec.version}.ok`))) return root;
  process.stderr.write(`bench: generating the ${kind} tree in ${root} (cached for next time) …\n`);
  fs.mkdirSync(CACHE, { recursive: true });
  fs.rmSync(root, { recursive: true, force: true });
  const temp = `${root}.partial-${process.pid}`;
  fs.rmSync(temp, { recursive: true, force: true });
  const span = spec.maxSize - spec.minSize + 1;
  const pool = bytes(kind, spec.maxSize + 4096);
  for (let d = 0; d < spec.dirs; d++) {
    const dir = path.join(temp, 'src', `d${String(d).padStart(4, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < spec.filesPerDir; f++) {
      const n = d * spec.filesPerDir + f;
      const size = spec.minSize + ((n * 7919) % span);
      // A unique header line, then a window of the shared pool: unique files, fast to make.
      const header = Buffer.from(`file ${n}\n`);
      fs.writeFileSync(path.join(dir, `f${String(f).padStart(3, '0')}.py`), Buffer.concat([header, pool.subarray(n % 4096, (n % 4096) + size - header.length)]));
    }
  }
  for (let b = 0; b < spec.big; b++) {
    fs.mkdirSync(path.join(temp, 'data'), { recursive: true });
    fs.writeFileSync(path.join(temp, 'data', `big${b}.bin`), bytes(`${kind}-big${b}`, spec.bigSize));
  }
  fs.mkdirSync(path.join(temp, '.mtr'), { recursive: true });
  fs.renameSync(temp, root);
  fs.writeFileSync(path.join(CACHE, `${kind}-${spec.version}.ok`), `${new Date().toISOString()}\n`);
  return root;
}

// The tree's config: one server per row (its own engine and remote_dir), all on the bench sshd.
function writeConfig(root, rig, servers) {
  const lines = ['servers:'];
  for (const [name, { sync, remoteDir }] of Object.entries(servers)) {
    lines.push(
      `  ${name}:`,
      `    host: ${rig.sshd.host}`,
      `    port: ${rig.sshd.port}`,
      `    user: ${rig.login.user}`,
      `    key_filename: ${JSON.stringify(rig.sshd.clientKey)}`,
      `    remote_dir: ${JSON.stringify(remoteDir)}`,
      `    sync: ${sync}`,
    );
  }
  fs.writeFileSync(path.join(root, '.mtr', 'config.yaml'), `${lines.join('\n')}\n`);
}

/** `rsync -rlptz -e 'ssh …' root/ host:dest/` as a bench spec. */
function rsyncSpec(rig, sshArgs, root, dest) {
  const e = ['ssh', ...sshArgs(rig).slice(0, -1)].join(' ');
  return { command: 'rsync', args: ['-rlptz', '-e', e, `${root}/`, `${rig.sshd.host}:${dest}/`] };
}

const shellQuote = (word) => `'${String(word).replace(/'/g, `'\\''`)}'`;

function maxRssKb(stderr) {
  const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  if (!match) throw new Error(`no "Maximum resident set size" in /usr/bin/time output:\n${stderr.slice(-2000)}`);
  return Number(match[1]);
}

// Peak RSS of one command under GNU time (the largest process in its tree: node, rsync, ssh).
function peakRss(rig, { command, args, cwd }) {
  const result = spawnSync(TIME_BIN, ['-v', command, ...args], { cwd, env: rig.env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 900_000, maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr.slice(-2000)}`);
  return maxRssKb(result.stderr);
}

function ensureTimeBinary() {
  if (fs.existsSync(TIME_BIN)) return;
  throw new Error(`${TIME_BIN} is missing: install GNU time (apt-get install -y time) for the memory row`);
}

/**
 * Rows in run.mjs's shape. `helpers`: { mtrBin, sshArgs(rig, ...command) } from run.mjs.
 * Rows may set `runs`/`warmup` (fewer iterations for slow rows) or `measure(rig)` (own measurement).
 */
export function syncRows({ mtrBin, sshArgs }) {
  // Filled on first use, so `npm run bench` pays for the trees only when it reaches these rows.
  let state;
  const setup = (rig) => {
    if (state) return state;
    const base = path.join(path.dirname(rig.remoteDir), 'sync');
    makeRemoteDir(rig.login, base);
    const dirs = Object.fromEntries(
      ['sftpNoChange', 'rsyncNoChange', 'mtrRsyncNoChange', 'byHandNoChange', 'sftpFresh', 'rsyncFresh', 'memMtr', 'memRsync'].map((name) => [name, path.join(base, name)]),
    );
    // Made by the tmpfs row itself (its targets), and removed when the row is done.
    if (TMPFS) Object.assign(dirs, { sftpFreshTmpfs: path.join(TMPFS, 'sftp'), rsyncFreshTmpfs: path.join(TMPFS, 'rsync') });
    const small = ensureTree('small');
    const huge = ensureTree('huge');
    writeConfig(small, rig, {
      'sftp-nochange': { sync: 'sftp', remoteDir: dirs.sftpNoChange },
      'rsync-nochange': { sync: 'rsync', remoteDir: dirs.mtrRsyncNoChange },
      'sftp-fresh': { sync: 'sftp', remoteDir: dirs.sftpFresh },
      ...(TMPFS ? { 'sftp-fresh-tmpfs': { sync: 'sftp', remoteDir: dirs.sftpFreshTmpfs } } : {}),
    });
    writeConfig(huge, rig, {
      'mem-auto': { sync: 'auto', remoteDir: dirs.memMtr },
      'mem-sftp': { sync: 'sftp', remoteDir: dirs.memMtr },
    });
    state = { dirs, small, huge };
    return state;
  };
  const mtrIn = (tree, ...args) => (rig) => ({ command: mtrBin, args, cwd: setup(rig)[tree] });
  const rm = (...dirs) => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
  // rsync's own peak on the same fresh upload, measured once and shown beside each engine's row.
  let rsyncPeakKb;
  const memoryRow = (engine) => ({
    name: `peak RSS, \`mtr true\` syncing 100,000 files fresh (sync: ${engine}; baseline: rsync -rlptz)`,
    measure: (rig) => {
      ensureTimeBinary();
      const { dirs, huge } = setup(rig);
      const mtrKb = [];
      for (let i = 0; i < MEM_RUNS; i++) {
        rm(dirs.memMtr);
        mtrKb.push(peakRss(rig, { command: process.execPath, args: [mtrBin, '-s', `mem-${engine}`, 'true'], cwd: huge }));
      }
      if (rsyncPeakKb === undefined) {
        rm(dirs.memRsync);
        rsyncPeakKb = peakRss(rig, { ...rsyncSpec(rig, sshArgs, huge, dirs.memRsync), cwd: huge });
      }
      rm(dirs.memMtr, dirs.memRsync);
      const mtrMb = Math.max(...mtrKb) / 1024;
      const rsyncMb = rsyncPeakKb / 1024;
      return {
        ok: mtrMb <= MEM_GOAL_MB,
        cells: [`${mtrMb.toFixed(1)} MB peak`, `${rsyncMb.toFixed(1)} MB peak`, `${(mtrMb / rsyncMb).toFixed(2)}x`, `≤ ${MEM_GOAL_MB} MB`],
      };
    },
  });

  // mtr's whole run (scan, rsync, command) against doing the same two steps by hand.
  const byHandRow = (kind, name, flags, goal) => ({
    name,
    before: (rig) => setup(rig),
    run: mtrIn('small', '-s', 'rsync-nochange', ...flags, 'true'),
    baseline: (rig) => {
      const { command, args } = rsyncSpec(rig, sshArgs, setup(rig).small, setup(rig).dirs.byHandNoChange);
      const line = `${[command, ...args].map(shellQuote).join(' ')} && ${['ssh', ...sshArgs(rig, 'true')].map(shellQuote).join(' ')}`;
      return { command: 'sh', args: ['-c', line] };
    },
    goal,
  });

  // A fresh upload: each timed side writes into a new empty folder (the server's remote_dir and
  // rsync's destination are symlinks switched to it); nothing is deleted until the row is done, as
  // deleting 10k files here made the next 10k creations up to 25x slower for a while (ext4 on this
  // VM), whichever tool came next.
  let generation = 0;
  const freshTarget = (rig, link) => {
    const target = `${link}-${++generation}`;
    makeRemoteDir(rig.login, target);
    fs.rmSync(`${link}.next`, { force: true });
    fs.symlinkSync(target, `${link}.next`);
    fs.renameSync(`${link}.next`, link);
  };
  const removeTargets = (link) => {
    const dir = path.dirname(link);
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (name === path.basename(link) || name.startsWith(`${path.basename(link)}-`)) rm(path.join(dir, name));
    }
  };
  const freshRow = (where, server, mtrDir, rsyncDir) => ({
    name: `sync, fresh upload (10k files + 3×8 MB) into ${where === 'disk' ? 'a disk folder' : 'tmpfs (no disk: the tools alone)'}: \`mtr true\` (sftp) vs \`rsync -rlptz\``,
    runs: FRESH_RUNS,
    warmup: 1,
    before: (rig) => setup(rig),
    prepare: (rig, side) => {
      freshTarget(rig, setup(rig).dirs[side === 'run' ? mtrDir : rsyncDir]);
      spawnSync('sync');
    },
    after: (rig) => {
      removeTargets(setup(rig).dirs[mtrDir]);
      removeTargets(setup(rig).dirs[rsyncDir]);
      if (where === 'tmpfs') rm(TMPFS);
    },
    run: mtrIn('small', '-s', server, 'true'),
    baseline: (rig) => rsyncSpec(rig, sshArgs, setup(rig).small, setup(rig).dirs[rsyncDir]),
    goal: 1.5,
  });

  return [
    {
      name: 'sync, no change (10k files + 3×8 MB): `mtr true` (sftp) vs `rsync -rlptz`',
      // The warm-up iterations make the first (full) copy on both sides.
      before: (rig) => setup(rig),
      run: mtrIn('small', '-s', 'sftp-nochange', 'true'),
      baseline: (rig) => rsyncSpec(rig, sshArgs, setup(rig).small, setup(rig).dirs.rsyncNoChange),
      goal: 1.2,
    },
    freshRow('disk', 'sftp-fresh', 'sftpFresh', 'rsyncFresh'),
    ...(TMPFS ? [freshRow('tmpfs', 'sftp-fresh-tmpfs', 'sftpFreshTmpfs', 'rsyncFreshTmpfs')] : []),
    byHandRow('cold', 'run with sync, no change (10k files), cold: `mtr --no-reuse true` (rsync) vs `rsync … && ssh … true`', ['--no-reuse'], 0.8),
    byHandRow('warm', 'run with sync, no change (10k files), warm: `mtr true` (shared connection) vs `rsync … && ssh … true`', [], 0.5),
    memoryRow('auto'),
    memoryRow('sftp'),
  ];
}
