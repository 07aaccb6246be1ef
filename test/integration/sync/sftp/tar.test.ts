// The tar writer is pure bytes, so it is tested the only way that proves them: archives it builds
// are listed and unpacked by the real system tar (GNU tar), as the server's tar unpacks a bundle.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TAR_BLOCK, tarEnd, tarHeader, tarPadding, type TarEntry } from '../../../../src/sync/sftp/tar.js';

interface Member {
  entry: TarEntry;
  /** Files: the data (its length is the header's size). */
  data?: Buffer;
}

const T = 1_700_000_000;
const fileOf = (name: string, data: Buffer | string, mode = 0o644, mtime = T): Member => {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
  return { entry: { name, type: 'file', mode, mtime, size: bytes.length }, data: bytes };
};
const dirOf = (name: string, mode = 0o755, mtime = T): Member => ({ entry: { name, type: 'dir', mode, mtime } });
const linkOf = (name: string, linkTarget: string, mtime = T): Member => ({ entry: { name, type: 'symlink', mode: 0o777, mtime, linkTarget } });

// As sftp/bundle.ts assembles one: header, data, padding per member, then the end.
function buildArchive(members: readonly Member[]): Buffer {
  const parts: Buffer[] = [];
  for (const { entry, data } of members) {
    parts.push(tarHeader(entry));
    if (data) parts.push(data, tarPadding(data.length));
  }
  parts.push(tarEnd());
  return Buffer.concat(parts);
}

const TAR_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', TZ: 'UTC', LC_ALL: 'C' };

interface Listed {
  type: string;
  mode: string;
  size: number;
  mtime: number;
  name: string;
  target?: string;
}

// GNU tar's `escape` quoting: \n, \\ and \ooo (non-ASCII bytes in the C locale) back to the UTF-8 string.
function unescape(text: string): string {
  const bytes: number[] = [];
  for (let at = 0; at < text.length; at++) {
    const ch = text[at] as string;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = text[at + 1] as string;
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(text.slice(at + 1, at + 4), 8));
      at += 3;
    } else {
      bytes.push(({ n: 10, t: 9, '\\': 92, a: 7, b: 8, f: 12, r: 13, v: 11 } as Record<string, number>)[next] ?? next.charCodeAt(0));
      at += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function list(archive: string): Listed[] {
  const run = spawnSync('tar', ['-tvf', archive, '--full-time', '--quoting-style=escape'], { env: TAR_ENV, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const match = /^(.)(\S{9}) \S+\s+(\d+) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (.*)$/.exec(line);
      if (!match) throw new Error(`unexpected tar -tv line: ${JSON.stringify(line)}`);
      const [, type, mode, size, when, rest] = match as unknown as [string, string, string, string, string, string];
      const arrow = type === 'l' ? rest.indexOf(' -> ') : -1;
      return {
        type,
        mode,
        size: Number(size),
        mtime: Date.parse(`${when.replace(' ', 'T')}Z`) / 1000,
        name: unescape(arrow === -1 ? rest : rest.slice(0, arrow)),
        ...(arrow === -1 ? {} : { target: unescape(rest.slice(arrow + 4)) }),
      };
    });
}

function extract(archive: string, into: string) {
  fs.mkdirSync(into);
  return spawnSync('tar', ['-x', '-p', '-o', '-f', archive, '-C', into], { env: TAR_ENV, encoding: 'utf8' });
}

let work: string;
beforeEach(() => {
  work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-tar-')));
});
afterEach(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

// Writes the archive, checks GNU tar lists every member as written, unpacks it and checks each one on disk.
function roundTrip(members: readonly Member[]): string {
  const archive = path.join(work, 'a.tar');
  const bytes = buildArchive(members);
  expect(bytes.length % TAR_BLOCK).toBe(0);
  fs.writeFileSync(archive, bytes);
  const listed = list(archive);
  expect(listed.map((l) => l.name)).toEqual(members.map((m) => (m.entry.type === 'dir' ? `${m.entry.name}/` : m.entry.name)));
  listed.forEach((l, i) => {
    const { entry, data } = members[i] as Member;
    expect(l.type, entry.name).toBe({ file: '-', dir: 'd', symlink: 'l' }[entry.type]);
    expect(l.size, entry.name).toBe(data?.length ?? 0);
    expect(l.mtime, entry.name).toBe(entry.mtime);
    if (entry.type === 'symlink') expect(l.target, entry.name).toBe(entry.linkTarget);
  });
  const out = path.join(work, 'out');
  const run = extract(archive, out);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  for (const { entry, data } of members) {
    const at = path.join(out, entry.name);
    const stat = fs.lstatSync(at);
    if (entry.type === 'file') {
      expect(stat.isFile(), entry.name).toBe(true);
      expect(fs.readFileSync(at).equals(data as Buffer), `${entry.name}: contents`).toBe(true);
      expect(stat.mode & 0o7777, entry.name).toBe(entry.mode);
      expect(stat.mtimeMs / 1000, entry.name).toBe(entry.mtime);
    } else if (entry.type === 'dir') {
      expect(stat.isDirectory(), entry.name).toBe(true);
      expect(stat.mode & 0o7777, entry.name).toBe(entry.mode);
      expect(stat.mtimeMs / 1000, entry.name).toBe(entry.mtime);
    } else {
      expect(stat.isSymbolicLink(), entry.name).toBe(true);
      expect(fs.readlinkSync(at), entry.name).toBe(entry.linkTarget);
    }
  }
  return out;
}

describe('tarHeader + tarPadding + tarEnd, read by GNU tar', () => {
  it('file contents and sizes around the block size are exact', () => {
    const sizes = [0, 1, 511, 512, 513, 1023, 1024, 1025, 70_000];
    roundTrip(sizes.map((size) => fileOf(`f${size}`, randomBytes(size))));
  });

  it('tarPadding fills to the next block; tarEnd is two zero blocks', () => {
    expect([0, 1, 511, 512, 513].map((n) => tarPadding(n).length)).toEqual([0, 511, 1, 0, 511]);
    expect(tarPadding(513).every((b) => b === 0)).toBe(true);
    expect(tarEnd().length).toBe(1024);
    expect(tarEnd().every((b) => b === 0)).toBe(true);
  });

  it('names with spaces, quotes, a newline, a backslash and UTF-8', () => {
    roundTrip([
      dirOf('dir with space'),
      fileOf('dir with space/a b.txt', 'spaces'),
      fileOf(`it's "quoted".txt`, 'quotes'),
      fileOf('new\nline.txt', 'newline'),
      fileOf('back\\slash $HOME `x`', 'shell'),
      fileOf('ünïcödé-日本語-😀.txt', 'utf8'),
      dirOf('é'),
      linkOf('é/lien', '../ünïcödé-日本語-😀.txt'),
    ]);
  });

  it('modes 0644, 0755, 0600, 0444 on files; 0700 and 0755 on dirs; mtimes from the header', () => {
    // Each dir's members follow it: GNU tar sets a dir's mtime once the archive leaves that dir.
    roundTrip([
      dirOf('private', 0o700, T - 86_400),
      fileOf('private/secret', 's', 0o600, 1),
      fileOf('private/readonly', 'r', 0o444, 1_500_000_000),
      dirOf('public', 0o755, T + 3),
      fileOf('public/rw', 'a', 0o644, T + 1),
      fileOf('public/exec', '#!/bin/sh\n', 0o755, T + 2),
    ]);
  });

  it('a path over 100 bytes that splits into ustar prefix + name (no pax header)', () => {
    const long = `${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(30)}.txt`;
    expect(Buffer.byteLength(long)).toBeGreaterThan(100);
    const header = tarHeader({ name: long, type: 'file', mode: 0o644, mtime: T, size: 4 });
    expect(header.length).toBe(TAR_BLOCK);
    expect(header.subarray(257, 262).toString()).toBe('ustar');
    roundTrip([dirOf('a'.repeat(60)), dirOf(`${'a'.repeat(60)}/${'b'.repeat(60)}`), fileOf(long, 'long')]);
  });

  it('a split at the longest prefix ustar allows (155 bytes) and names of exactly 100 bytes', () => {
    const prefix = `${'p'.repeat(77)}/${'q'.repeat(77)}`;
    expect(Buffer.byteLength(prefix)).toBe(155);
    const at155 = `${prefix}/${'n'.repeat(100)}`;
    expect(tarHeader({ name: at155, type: 'file', mode: 0o644, mtime: T, size: 1 }).length).toBe(TAR_BLOCK);
    roundTrip([fileOf('x'.repeat(100), '100'), fileOf(`d/${'y'.repeat(98)}`, 'd/98'), fileOf(at155, '255 bytes')]);
  });

  it('a UTF-8 path over 100 bytes (but under 100 characters) splits by bytes', () => {
    const name = `${'é'.repeat(40)}/${'ü'.repeat(40)}`;
    expect(name.length).toBeLessThan(100);
    expect(Buffer.byteLength(name)).toBeGreaterThan(100);
    roundTrip([dirOf('é'.repeat(40)), fileOf(name, 'bytes')]);
  });

  it('a path that cannot split (one 150-byte component) goes in a pax header', () => {
    const component = 'c'.repeat(150);
    const header = tarHeader({ name: component, type: 'file', mode: 0o644, mtime: T, size: 3 });
    // pax 'x' header, its records, then the ustar header.
    expect(header[156]).toBe('x'.charCodeAt(0));
    expect(header.length).toBe(3 * TAR_BLOCK);
    roundTrip([fileOf(component, 'top'), dirOf('sub'), fileOf(`sub/${component}`, 'sub'), dirOf(`sub/${'D'.repeat(150)}`, 0o750), fileOf(`sub/${'D'.repeat(150)}/f`, 'in')]);
  });

  it('a directory whose name is 100 bytes (101 with its slash)', () => {
    roundTrip([dirOf('e'.repeat(100)), fileOf(`${'e'.repeat(100)}/f`, 'f')]);
  });

  it('long paths whose pax record length crosses from 3 to 4 digits', () => {
    const members: Member[] = [];
    // Components of ≤ 100 bytes: the last one alone ends the path; 989..995 bytes in all.
    for (let total = 989; total <= 995; total++) {
      const base = `L${total}`;
      const parts = [base, ...Array.from({ length: 9 }, () => 'k'.repeat(99))];
      const sofar = parts.join('/');
      const last = 'z'.repeat(total - sofar.length - 1);
      members.push(fileOf(`${sofar}/${last}`, String(total)));
    }
    for (const m of members) expect(m.entry.name.length).toBeGreaterThanOrEqual(989);
    roundTrip(members);
  });

  it('a symlink with a 150-byte target (pax linkpath), one with a 100-byte target, and a short one', () => {
    const far = `${'../'.repeat(10)}${'t'.repeat(120)}`;
    expect(Buffer.byteLength(far)).toBe(150);
    roundTrip([linkOf('far', far), linkOf('exactly100', 'u'.repeat(100)), linkOf('near', 'f'), fileOf('f', 'x'), linkOf(`${'l'.repeat(150)}`, `${'m'.repeat(150)} with space`)]);
  });

  it('an empty directory and a member order of dirs first', () => {
    const out = roundTrip([dirOf('t', 0o700), dirOf('t/a', 0o700), dirOf('t/a/empty', 0o700), fileOf('t/a/x', 'x')]);
    expect(fs.readdirSync(path.join(out, 't/a/empty'))).toEqual([]);
  });

  it('a header cut short makes GNU tar fail', () => {
    const archive = path.join(work, 'cut.tar');
    const whole = buildArchive([fileOf('a', randomBytes(2000)), fileOf('b', 'b')]);
    fs.writeFileSync(archive, whole.subarray(0, TAR_BLOCK + 1000));
    const run = extract(archive, path.join(work, 'out'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/Unexpected EOF/);
  });
});
