// The probe runs for real under sh with a private HOME: directory, file, symlinks, missing, `~` paths.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildKindProbe, parseKind } from '../../../../src/sync/remote/kind.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-kind-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
fs.mkdirSync(path.join(home, 'out dir/run1'), { recursive: true });
fs.writeFileSync(path.join(home, 'out dir/m.json'), '{}');
fs.symlinkSync('run1', path.join(home, 'out dir/latest'));
fs.symlinkSync('m.json', path.join(home, 'out dir/m-link'));
fs.symlinkSync('nowhere', path.join(home, 'out dir/dangling'));

const probe = (remotePath: string) => {
  const result = spawnSync('sh', ['-c', buildKindProbe(remotePath)], { cwd: home, env: { HOME: home, PATH: process.env.PATH }, encoding: 'utf8' });
  return parseKind(result.stdout);
};

describe('buildKindProbe', () => {
  it.each([
    ['out dir/run1', 'dir'],
    ['out dir/run1/', 'dir'],
    ['~/out dir', 'dir'],
    [path.join(home, 'out dir'), 'dir'],
    ['out dir/m.json', 'file'],
    ['~/out dir/m.json', 'file'],
    ['out dir/latest', 'dir'],
    ['out dir/m-link', 'file'],
    ['out dir/dangling', 'missing'],
    ['out dir/nope', 'missing'],
    ['~', 'dir'],
  ])('%s → %s', (remotePath, kind) => expect(probe(remotePath)).toBe(kind));

  it('a name with quotes and $ is one word, never expanded', () => {
    fs.writeFileSync(path.join(home, `it's $HOME`), 'x');
    expect(probe(`it's $HOME`)).toBe('file');
  });
});

describe('parseKind', () => {
  it('reads d/f/m and nothing else', () => {
    expect([parseKind('d'), parseKind('f\n'), parseKind('m'), parseKind(''), parseKind('login banner')]).toEqual(['dir', 'file', 'missing', undefined, undefined]);
  });
});
