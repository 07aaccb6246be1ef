import { describe, expect, it } from 'vitest';
import { commandLine, joinRemoteDir, remotePathExpr } from '../../../src/remote/command.js';

describe('remotePathExpr', () => {
  it.each([
    ['/srv/proj', '/srv/proj'],
    ['/srv/my proj', "'/srv/my proj'"],
    ['~', '"$HOME"'],
    ['~/proj', '"$HOME"/proj'],
    ['~/my proj', `"$HOME"/'my proj'`],
    // Relative means below the home, so a leading `-` follows `"$HOME"/` and is never an option.
    ['rel/dir', '"$HOME"/rel/dir'],
    ['-rf', '"$HOME"/-rf'],
    ['./x/', '"$HOME"/x'],
  ])('%j → %s', (input, expected) => expect(remotePathExpr(input)).toBe(expected));
});

describe('joinRemoteDir', () => {
  it.each([
    ['/srv/p', '', '/srv/p'],
    ['/srv/p', 'a/b', '/srv/p/a/b'],
    ['~/p', 'src', '~/p/src'],
    ['proj', 'src', '~/proj/src'],
    ['~/p', '~', '~/p/~'],
    ['~', '', '~'],
  ])('%s + %s → %s', (dir, sub, expected) => expect(joinRemoteDir(dir, sub)).toBe(expected));
});

describe('commandLine', () => {
  it.each([
    [['ls'], 'ls'],
    [['make && ./run | tee log'], 'make && ./run | tee log'],
    [['echo', 'a b'], "echo 'a b'"],
    [['echo', '$HOME', "it's"], `echo '$HOME' 'it'\\''s'`],
  ])('%j → %s', (argv, expected) => expect(commandLine(argv)).toBe(expected));
});
