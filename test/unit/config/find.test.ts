import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeConfigPathProblem, findConfig, formatFilePath, getProjectRoot, probeConfigPath, resolveUserConfigPath } from '../../../src/config/find.js';
import { UsageError } from '../../../src/errors.js';

let root: string;
beforeEach(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-find-')));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const touch = (file: string) => {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), 'servers: {}\n');
};

describe('findConfig', () => {
  const _ = (name: string, files: string[], dirs: string[], cwd: string, expected: string | undefined) => ({ name, files, dirs, cwd, expected });
  it.each([
    _('in cwd', ['p/.mtr/config.yaml'], [], 'p', 'p/.mtr/config.yaml'),
    _('in a parent', ['p/.mtr/config.yaml'], ['p/a/b/c'], 'p/a/b/c', 'p/.mtr/config.yaml'),
    _('nearest wins', ['p/.mtr/config.yaml', 'p/sub/.mtr/config.yaml'], ['p/sub/x'], 'p/sub/x', 'p/sub/.mtr/config.yaml'),
    _('skips .mtr without config.yaml', ['p/.mtr/config.yaml'], ['p/sub/.mtr'], 'p/sub', 'p/.mtr/config.yaml'),
    _('skips a .mtr that is a file', ['p/.mtr/config.yaml', 'p/sub/.mtr'], [], 'p/sub', 'p/.mtr/config.yaml'),
    _('none', [], ['p/a'], 'p/a', undefined),
  ])('$name', ({ files, dirs, cwd, expected }) => {
    files.forEach(touch);
    for (const dir of dirs) fs.mkdirSync(path.join(root, dir), { recursive: true });
    const found = findConfig(path.join(root, cwd));
    expect(found).toBe(expected === undefined ? undefined : path.join(root, expected));
  });

  // The nearest config is this project's: when it cannot be used, a parent's is not a substitute.
  it.each([
    ['a folder', (file: string) => fs.mkdirSync(file, { recursive: true }), /^\.mtr\/config\.yaml is a folder, not a file$/],
    ['a dangling symlink', (file: string) => fs.symlinkSync('gone.yaml', file), /^\.mtr\/config\.yaml is a symlink to gone\.yaml, which does not exist$/],
    ['a symlink loop', (file: string) => fs.symlinkSync('config.yaml', file), /symlink that leads back to itself/],
  ])('stops at a config.yaml that is %s, with the problem', (_name, make, message) => {
    touch('p/.mtr/config.yaml');
    fs.mkdirSync(path.join(root, 'p/sub/.mtr'), { recursive: true });
    make(path.join(root, 'p/sub/.mtr/config.yaml'));
    let error: unknown;
    try {
      findConfig(path.join(root, 'p/sub'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(message);
    expect((error as UsageError).hint).toBeTruthy();
  });

  it('probes what stands at the path', () => {
    touch('p/.mtr/config.yaml');
    expect(probeConfigPath(path.join(root, 'p/.mtr/config.yaml'))).toEqual({ kind: 'file' });
    expect(probeConfigPath(path.join(root, 'p/.mtr'))).toEqual({ kind: 'directory' });
    expect(probeConfigPath(path.join(root, 'p/none/config.yaml'))).toEqual({ kind: 'absent' });
    expect(probeConfigPath('/dev/null')).toEqual({ kind: 'special' });
  });

  it('an unreadable .mtr/ (root reads through chmod 000, so the probe result is given): the folder and the chmod fix', () => {
    const error = describeConfigPathProblem({ kind: 'no-access' }, '/p/.mtr/config.yaml', '/p');
    expect(error.message).toBe('cannot look inside .mtr/ (permission denied), so its config.yaml cannot be read');
    expect(error.hint).toBe('give yourself access: `chmod u+rwx .mtr`');
    expect(error.exitCode).toBe(2);
  });

  it('gives the folder holding .mtr as project root', () => {
    expect(getProjectRoot('/home/a/proj/.mtr/config.yaml')).toBe('/home/a/proj');
  });
});

describe('resolveUserConfigPath', () => {
  it.each([
    [{}, '/home/a/.config/mtr/config.yaml'],
    [{ XDG_CONFIG_HOME: '/xdg' }, '/xdg/mtr/config.yaml'],
    [{ XDG_CONFIG_HOME: '' }, '/home/a/.config/mtr/config.yaml'],
    [{ XDG_CONFIG_HOME: 'relative/xdg' }, '/home/a/.config/mtr/config.yaml'],
  ])('%j → %s', (env, expected) => {
    expect(resolveUserConfigPath(env, '/home/a')).toBe(expected);
  });
});

describe('formatFilePath', () => {
  it.each([
    ['/p/.mtr/config.yaml', '/p', '.mtr/config.yaml'],
    ['/p/.mtr/config.yaml', '/p/sub', '/p/.mtr/config.yaml'],
    ['/home/a/.config/mtr/config.yaml', '/p', '~/.config/mtr/config.yaml'],
    ['/home/a/p/.mtr/config.yaml', '/home/a/p', '.mtr/config.yaml'],
    ['/etc/x.yaml', '/p', '/etc/x.yaml'],
  ])('%s from %s → %s', (file, cwd, expected) => {
    expect(formatFilePath(file, cwd, '/home/a')).toBe(expected);
  });
});
