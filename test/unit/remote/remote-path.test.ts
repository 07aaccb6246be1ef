import { describe, expect, it } from 'vitest';
import { anchorRemotePath, checkRemoteDir, joinRemotePath, remotePathExpr } from '../../../src/remote/remote-path.js';

describe('anchorRemotePath: one spelling, relative = below the home', () => {
  it.each([
    ['proj2', '~/proj2'],
    ['a/b/', '~/a/b'],
    ['./a', '~/a'],
    ['.', '~'],
    ['./', '~'],
    ['~', '~'],
    ['~/', '~'],
    ['~/./x', '~/x'],
    ['~/x//', '~/x'],
    ['-rf', '~/-rf'],
    ['../shared', '~/../shared'],
    ['/', '/'],
    ['/srv/p/', '/srv/p'],
    ["it's ü", "~/it's ü"],
  ])('%j → %j', (input, expected) => expect(anchorRemotePath(input)).toBe(expected));
});

describe('joinRemotePath', () => {
  it.each([
    ['~/proj', 'outputs/x', '~/proj/outputs/x'],
    ['proj', 'out', '~/proj/out'],
    ['~/proj', '/abs/file', '/abs/file'],
    ['~/proj', '~/other', '~/other'],
    ['~/proj', '..', '~'],
    ['~', '..', '~/..'],
    ['~', '../../x', '~/../../x'],
    ['/srv/p', 'a b/../c', '/srv/p/c'],
    ['/srv/p', '.', '/srv/p'],
    ['/srv/p', '', '/srv/p'],
    ['-x', '-y', '~/-x/-y'],
  ])('%j + %j → %j', (base, p, expected) => expect(joinRemotePath(base, p)).toBe(expected));
});

describe('remotePathExpr', () => {
  it.each([
    ['-x y', `"$HOME"/'-x y'`],
    ['~/-rf', '"$HOME"/-rf'],
    ['/a b', "'/a b'"],
    ["~/it's", `"$HOME"/'it'\\''s'`],
  ])('%j → %s', (input, expected) => expect(remotePathExpr(input)).toBe(expected));
});

describe('checkRemoteDir', () => {
  it.each(['proj', '-rf', '~', '~/x', '/srv/p', "a 'b' \"c\" $x ü", '../x', '$HOMEWORK'])('%j is fine', (p) =>
    expect(checkRemoteDir(p)).toBeUndefined(),
  );
  it.each([
    ['', /non-empty/],
    ['  ', /non-empty/],
    ['a\0b', /NUL/],
    ['a\nb', /line breaks/],
    ['a\r', /line breaks/],
    ['~bob', /~user/],
    ['$HOME/x', /\$HOME/],
    ['${HOME}/x', /\$HOME/],
  ])('%j is refused', (p, message) => expect(checkRemoteDir(p)).toMatch(message));
});
