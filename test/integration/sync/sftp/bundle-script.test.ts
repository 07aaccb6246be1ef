// The server's side of a bundle is a pure script, so it is tested the only way that proves it: run by
// real local shells (dash as sh, and bash, which the login-shell wrapper prefers) with the real GNU
// tar, on an archive assembled as sftp/bundle.ts assembles one, against a temp remote_dir.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wrapForLoginShell } from '../../../../src/remote/command.js';
import { planBundleMoves } from '../../../../src/sync/plan/bundle.js';
import { BUNDLE_MOVES, BUNDLE_TREE, buildBundleScript, buildMovesScript, NO_TAR, type BundleScriptOptions } from '../../../../src/sync/sftp/bundle-script.js';
import { tarEnd, tarHeader, tarPadding, TAR_BLOCK } from '../../../../src/sync/sftp/tar.js';

const SHELLS = [
  ['sh (dash)', '/bin/sh'],
  ['bash', spawnSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim()],
] as const;

const T = 1_700_000_000;
const CONFLICTS = '.mtr-conflicts';

interface BundleSpec {
  dirs: string[];
  /** The new directories' modes, set by the moves member (Bundle.modes). */
  modes?: Array<{ path: string; mode: number }>;
  files: Array<{ path: string; data: Buffer; mode: number }>;
  links?: Array<{ path: string; target: string }>;
}

interface Archive {
  bytes: Buffer;
  /** Where each file's data starts in `bytes`, by path. */
  dataAt: Map<string, number>;
  /** Where the moves member's header starts. */
  movesAt: number;
}

// As sftp/bundle.ts: dirs `t/<dir>` 0700, then files and symlinks under t/, then the moves member, then the end.
function buildArchive(spec: BundleSpec): Archive {
  const parts: Buffer[] = [];
  const dataAt = new Map<string, number>();
  let length = 0;
  const push = (chunk: Buffer) => {
    parts.push(chunk);
    length += chunk.length;
  };
  for (const dir of spec.dirs) push(tarHeader({ name: `${BUNDLE_TREE}/${dir}`, type: 'dir', mode: 0o700, mtime: T }));
  const sent: string[] = [];
  for (const file of spec.files) {
    push(tarHeader({ name: `${BUNDLE_TREE}/${file.path}`, type: 'file', mode: file.mode, mtime: T, size: file.data.length }));
    dataAt.set(file.path, length);
    push(file.data);
    push(tarPadding(file.data.length));
    sent.push(file.path);
  }
  for (const link of spec.links ?? []) {
    push(tarHeader({ name: `${BUNDLE_TREE}/${link.path}`, type: 'symlink', mode: 0o777, mtime: T, linkTarget: link.target }));
    sent.push(link.path);
  }
  const movesAt = length;
  const moves = Buffer.from(buildMovesScript(planBundleMoves(spec.dirs, sent), spec.modes), 'utf8');
  push(tarHeader({ name: BUNDLE_MOVES, type: 'file', mode: 0o600, mtime: T, size: moves.length }));
  push(moves);
  push(tarPadding(moves.length));
  push(tarEnd());
  return { bytes: Buffer.concat(parts), dataAt, movesAt };
}

interface Run {
  status: number | null;
  stderr: string;
}

// An empty HOME: bash sources ~/.bashrc when its stdin is a socket (as under sshd, and Node's pipes are socketpairs).
function runScript(shell: string, script: string, input: Buffer, env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' }): Run {
  const run = spawnSync(shell, ['-c', script], { input, env: { HOME: home, ...env }, encoding: 'utf8', timeout: 20_000 });
  // A script that ends before reading stdin (no tar, no remote_dir) closes it under the write, as the server does.
  if (run.error && (run.error as NodeJS.ErrnoException).code !== 'EPIPE') throw run.error;
  return { status: run.status, stderr: run.stderr };
}

// Every path below `dir` (relative, sorted), with a marker for dirs and symlinks.
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const stat = fs.lstatSync(path.join(dir, p));
      if (stat.isSymbolicLink()) out.push(`${p} -> ${fs.readlinkSync(path.join(dir, p))}`);
      else if (stat.isDirectory()) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(`${p} (${fs.readFileSync(path.join(dir, p), 'utf8')})`);
    }
  };
  walk('');
  return out;
}

const text = (s: string) => Buffer.from(s, 'utf8');
const suffix = () => randomBytes(6).toString('hex');

let base: string;
let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-bundle-home-'));
  // A remote_dir whose path needs quoting.
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "mtr bundle 'q' $x-")));
  fs.mkdirSync(path.join(base, 'old'));
  fs.writeFileSync(path.join(base, 'old/keep.txt'), 'server');
});
afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

// New dirs (one inside an existing dir), files under them, files into existing dirs and the root,
// symlinks, odd names.
const SPEC: BundleSpec = {
  dirs: ['new dir $HOME', 'new dir $HOME/sub', 'old/fresh'],
  files: [
    { path: 'new dir $HOME/a.txt', data: text('a'), mode: 0o644 },
    { path: 'new dir $HOME/sub/run.sh', data: text('#!/bin/sh\n'), mode: 0o755 },
    { path: 'new dir $HOME/sub/empty', data: Buffer.alloc(0), mode: 0o600 },
    { path: 'old/fresh/x', data: text('x'), mode: 0o444 },
    { path: 'old/c.txt', data: text('c'.repeat(513)), mode: 0o640 },
    { path: `old/it's "odd"\nname`, data: text('odd'), mode: 0o644 },
    { path: 'root.txt', data: text('root'), mode: 0o644 },
  ],
  links: [
    { path: 'old/lnk', target: 'c.txt' },
    { path: 'root-link', target: `${'../'.repeat(10)}${'t'.repeat(130)}` },
  ],
};

const EXPECTED_AFTER = [
  'new dir $HOME/',
  'new dir $HOME/a.txt (a)',
  'new dir $HOME/sub/',
  'new dir $HOME/sub/empty ()',
  'new dir $HOME/sub/run.sh (#!/bin/sh\n)',
  `old/`,
  `old/c.txt (${'c'.repeat(513)})`,
  'old/fresh/',
  'old/fresh/x (x)',
  `old/it's "odd"\nname (odd)`,
  'old/keep.txt (server)',
  'old/lnk -> c.txt',
  'root-link -> ' + `${'../'.repeat(10)}${'t'.repeat(130)}`,
  'root.txt (root)',
].sort();

const BEFORE = ['old/', 'old/keep.txt (server)'];

describe.each(SHELLS)('buildBundleScript run by %s with GNU tar', (_name, shell) => {
  const script = (extra: Partial<BundleScriptOptions> = {}) => buildBundleScript({ remoteDir: base, suffix: suffix(), ...extra });

  it('unpacks and moves everything in place, modes kept, no .mtr-conflicts left', () => {
    const run = runScript(shell, script(), buildArchive(SPEC).bytes);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(snapshot(base)).toEqual(EXPECTED_AFTER);
    for (const file of SPEC.files) expect(fs.statSync(path.join(base, file.path)).mode & 0o7777, file.path).toBe(file.mode);
    // New dirs stay private until the SFTP side sets their modes.
    for (const dir of SPEC.dirs) expect(fs.statSync(path.join(base, dir)).mode & 0o7777, dir).toBe(0o700);
    expect(fs.statSync(path.join(base, 'root.txt')).mtimeMs).toBe(T * 1000);
  });

  it("with the directories' modes: each new directory gets its own, a parent without search permission included", () => {
    const modes = [
      { path: 'new dir $HOME', mode: 0o644 },
      { path: 'new dir $HOME/sub', mode: 0o2750 },
      { path: 'old/fresh', mode: 0o555 },
    ];
    const run = runScript(shell, script(), buildArchive({ ...SPEC, modes }).bytes);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const modeOf = (p: string) => fs.statSync(path.join(base, p)).mode & 0o7777;
    expect(modes.map((m) => [m.path, modeOf(m.path).toString(8)])).toEqual(modes.map((m) => [m.path, m.mode.toString(8)]));
    fs.chmodSync(path.join(base, 'new dir $HOME'), 0o755);
    expect(snapshot(base)).toEqual(EXPECTED_AFTER);
    fs.chmodSync(path.join(base, 'old/fresh'), 0o755);
  });

  it('more than 256 directories of one mode: several chmod lines, all applied', () => {
    const dirs = Array.from({ length: 300 }, (_, i) => `d${i}`);
    const run = runScript(shell, script(), buildArchive({ dirs, files: [], modes: dirs.map((d) => ({ path: d, mode: 0o711 })) }).bytes);
    expect(run.status).toBe(0);
    expect(dirs.filter((d) => (fs.statSync(path.join(base, d)).mode & 0o777) !== 0o711)).toEqual([]);
  });

  it('moves of more than 256 names into one dir (several mv lines)', () => {
    const files = Array.from({ length: 600 }, (_, i) => ({ path: `old/f${i}`, data: text(String(i)), mode: 0o644 }));
    const run = runScript(shell, script(), buildArchive({ dirs: [], files }).bytes);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const f of files) expect(fs.readFileSync(path.join(base, f.path), 'utf8')).toBe(f.path.slice(5));
    expect(fs.existsSync(path.join(base, CONFLICTS))).toBe(false);
  });

  it('an archive cut in the middle of a file → non-zero, nothing moved, the stage folder removed', () => {
    const archive = buildArchive(SPEC);
    const at = (archive.dataAt.get('old/c.txt') as number) + 300;
    const run = runScript(shell, script(), archive.bytes.subarray(0, at));
    expect(run.status).not.toBe(0);
    expect(run.status).not.toBeNull();
    expect(snapshot(base)).toEqual(BEFORE);
  });

  it('an archive cut in the middle of the moves member → non-zero, nothing moved', () => {
    const archive = buildArchive(SPEC);
    const run = runScript(shell, script(), archive.bytes.subarray(0, archive.movesAt + TAR_BLOCK + 10));
    expect(run.status).not.toBe(0);
    expect(snapshot(base)).toEqual(BEFORE);
  });

  it('an archive cut at a member boundary before the moves member → non-zero, nothing moved', () => {
    const archive = buildArchive(SPEC);
    const run = runScript(shell, script(), archive.bytes.subarray(0, archive.movesAt));
    expect(run.status).not.toBe(0);
    expect(snapshot(base)).toEqual(BEFORE);
  });

  it('an empty stdin (the stream never started) → non-zero, nothing created', () => {
    const run = runScript(shell, script(), Buffer.alloc(0));
    expect(run.status).not.toBe(0);
    expect(snapshot(base)).toEqual(BEFORE);
  });

  it(`no tar on PATH → exit ${NO_TAR}, nothing created`, () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-notar-bin-'));
    try {
      for (const from of ['/usr/bin', '/bin']) {
        for (const name of fs.readdirSync(from)) {
          if (name === 'tar' || fs.existsSync(path.join(bin, name))) continue;
          fs.symlinkSync(path.join(from, name), path.join(bin, name));
        }
      }
      const env = { PATH: bin, HOME: home };
      expect(spawnSync(shell, ['-c', 'command -v tar'], { env }).status).not.toBe(0);
      expect(spawnSync(shell, ['-c', 'command -v mkdir'], { env }).status).toBe(0);
      const run = runScript(shell, script(), buildArchive(SPEC).bytes, env);
      expect(run.status).toBe(NO_TAR);
      expect(snapshot(base)).toEqual(BEFORE);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it('a dir standing where a whole new dir goes → exit 1, stderr names it, nothing overwritten or moved', () => {
    fs.mkdirSync(path.join(base, 'new dir $HOME'));
    fs.writeFileSync(path.join(base, 'new dir $HOME/a.txt'), 'theirs');
    const run = runScript(shell, script(), buildArchive(SPEC).bytes);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('mtr: new dir ?HOME appeared on the server during the sync\n');
    expect(snapshot(base)).toEqual([...BEFORE, 'new dir $HOME/', 'new dir $HOME/a.txt (theirs)'].sort());
  });

  it('a dangling symlink standing where a new dir goes → exit 1, the link left alone', () => {
    fs.symlinkSync('nowhere', path.join(base, 'new dir $HOME'));
    const run = runScript(shell, script(), buildArchive(SPEC).bytes);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/new dir \?HOME appeared on the server/);
    expect(snapshot(base)).toEqual([...BEFORE, 'new dir $HOME -> nowhere'].sort());
  });

  it('a later new dir taken → exit 1 naming it; that one untouched, the stage removed', () => {
    fs.mkdirSync(path.join(base, 'old/fresh'));
    const run = runScript(shell, script(), buildArchive(SPEC).bytes);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('mtr: old/fresh appeared on the server during the sync\n');
    expect(fs.readdirSync(path.join(base, 'old/fresh'))).toEqual([]);
    expect(fs.existsSync(path.join(base, CONFLICTS))).toBe(false);
  });

  it('a dir standing where a file goes into an existing dir → non-zero, the dir neither replaced nor filled', () => {
    fs.mkdirSync(path.join(base, 'root.txt'));
    const run = runScript(shell, script(), buildArchive({ dirs: [], files: [{ path: 'root.txt', data: text('root'), mode: 0o644 }] }).bytes);
    expect(run.status).not.toBe(0);
    expect(fs.readdirSync(path.join(base, 'root.txt'))).toEqual([]);
    expect(fs.existsSync(path.join(base, CONFLICTS))).toBe(false);
  });

  it('leftoverAgeSeconds: 0 removes another bundle\'s leftover folder and the run still succeeds', () => {
    fs.mkdirSync(path.join(base, CONFLICTS, '.upload-x'), { recursive: true });
    fs.writeFileSync(path.join(base, CONFLICTS, '.upload-x', 'half'), 'h');
    const run = runScript(shell, script({ leftoverAgeSeconds: 0 }), buildArchive(SPEC).bytes);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(snapshot(base)).toEqual(EXPECTED_AFTER);
  });

  it('leftoverAgeSeconds: 1 removes a leftover untouched for over a second (a fractional -cmin)', () => {
    fs.mkdirSync(path.join(base, CONFLICTS, '.upload-y'), { recursive: true });
    fs.writeFileSync(path.join(base, CONFLICTS, '.upload-y', 'half'), 'h');
    spawnSync('sleep', ['1.3']);
    const run = runScript(shell, script({ leftoverAgeSeconds: 1 }), buildArchive(SPEC).bytes);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(snapshot(base)).toEqual(EXPECTED_AFTER);
  });

  it('a recent leftover is kept under a long leftoverAgeSeconds (and so is .mtr-conflicts)', () => {
    fs.mkdirSync(path.join(base, CONFLICTS, '.upload-z'), { recursive: true });
    const run = runScript(shell, script({ leftoverAgeSeconds: 3600 }), buildArchive(SPEC).bytes);
    expect(run.status).toBe(0);
    expect(snapshot(base)).toEqual([...EXPECTED_AFTER, `${CONFLICTS}/`, `${CONFLICTS}/.upload-z/`].sort());
  });

  it('kept server edits in .mtr-conflicts are left alone, and .mtr-conflicts stays', () => {
    const kept = path.join(base, CONFLICTS, '2026-01-01T00-00-00');
    fs.mkdirSync(kept, { recursive: true });
    fs.writeFileSync(path.join(kept, 'edited.txt'), 'their edit');
    // Older than the leftover age: only the name keeps it from the clean-up.
    spawnSync('sleep', ['1.3']);
    const run = runScript(shell, script({ leftoverAgeSeconds: 1 }), buildArchive({ dirs: [], files: [{ path: 'root.txt', data: text('root'), mode: 0o644 }] }).bytes);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(snapshot(base)).toEqual([...BEFORE, `${CONFLICTS}/`, `${CONFLICTS}/2026-01-01T00-00-00/`, `${CONFLICTS}/2026-01-01T00-00-00/edited.txt (their edit)`, 'root.txt (root)'].sort());
  });

  it('a remote_dir that does not exist yet is made (with its parents), then filled', () => {
    const missing = path.join(base, 'missing', 'project');
    const spec: BundleSpec = { dirs: ['a', 'a/b'], files: [{ path: 'a/b/y', data: text('y'), mode: 0o644 }, { path: 'root.txt', data: text('root'), mode: 0o644 }] };
    const run = runScript(shell, buildBundleScript({ remoteDir: missing, suffix: suffix() }), buildArchive(spec).bytes);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(snapshot(missing)).toEqual(['a/', 'a/b/', 'a/b/y (y)', 'root.txt (root)']);
  });

  it('a remote_dir that is a file → exit 1, nothing written', () => {
    const file = path.join(base, 'a-file');
    fs.writeFileSync(file, 'x');
    const run = runScript(shell, buildBundleScript({ remoteDir: file, suffix: suffix() }), buildArchive(SPEC).bytes);
    expect(run.status).toBe(1);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('buildBundleScript through the login-shell wrapper', () => {
  it('as sshd would run it: unpacked and moved in place', () => {
    const run = runScript('/bin/sh', wrapForLoginShell(buildBundleScript({ remoteDir: base, suffix: suffix() })), buildArchive(SPEC).bytes);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(snapshot(base)).toEqual(EXPECTED_AFTER);
  });
});
