import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findConfig, formatFilePath, getProjectRoot, resolveUserConfigPath } from '../../../src/config/find.js';

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
    _('skips config.yaml that is a folder', ['p/.mtr/config.yaml'], ['p/sub/.mtr/config.yaml'], 'p/sub', 'p/.mtr/config.yaml'),
    _('none', [], ['p/a'], 'p/a', undefined),
  ])('$name', ({ files, dirs, cwd, expected }) => {
    files.forEach(touch);
    for (const dir of dirs) fs.mkdirSync(path.join(root, dir), { recursive: true });
    const found = findConfig(path.join(root, cwd));
    expect(found).toBe(expected === undefined ? undefined : path.join(root, expected));
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
