import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRE_CMD_FAILED, buildRemoteCommand, buildRemoteScript } from '../../../src/remote/command.js';

// Runs the built line through a real local shell, the same way sshd hands it to a login shell.
function runLocally(line: string): { out: string; code: number } {
  try {
    return { out: execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), code: 0 };
  } catch (error) {
    const e = error as { stdout: string; status: number };
    return { out: e.stdout, code: e.status };
  }
}
describe('buildRemoteCommand (executed by a real shell)', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-cmd-'));

  it('creates missing parents with spaces, enters the subdir, keeps argv exact', () => {
    const remoteDir = path.join(base, 'new parent', 'proj dir');
    const argv = ['sh', '-c', 'printf "[%s]" "$@"; printf "\\n%s" "$PWD"', 'x', 'a b', '$HOME', "it's", '`id`;$(id)', 'line\nbreak'];
    const { out, code } = runLocally(buildRemoteCommand({ remoteDir, subdir: 'src/sub', argv }));
    expect(code).toBe(0);
    expect(out).toBe(`[a b][$HOME][it's][\`id\`;$(id)][line\nbreak]\n${remoteDir}/src/sub`);
  });

  it('runs pre_cmd in the same shell before the command, and exports env', () => {
    const line = buildRemoteCommand({ remoteDir: base, subdir: '', preCmd: 'export GREETING=hi', argv: ['sh', '-c', 'echo "$GREETING $PYTHONUNBUFFERED"'], env: { PYTHONUNBUFFERED: '1' } });
    expect(runLocally(line)).toEqual({ out: 'hi 1\n', code: 0 });
  });

  it('stops with 125 (PRE_CMD_FAILED) when pre_cmd fails; the command never runs', () => {
    const line = buildRemoteCommand({ remoteDir: base, subdir: '', preCmd: 'false', argv: ['echo', 'never'] });
    expect(runLocally(line)).toEqual({ out: '', code: PRE_CMD_FAILED });
  });

  it('passes the command exit code through', () => {
    expect(runLocally(buildRemoteCommand({ remoteDir: base, subdir: '', argv: ['sh', '-c', 'exit 7'] })).code).toBe(7);
  });

  it('treats one word as a shell line', () => {
    const line = buildRemoteCommand({ remoteDir: base, subdir: '', argv: ['echo one && echo two | tr a-z A-Z'] });
    expect(runLocally(line).out).toBe('one\nTWO\n');
  });

  it('script lists cd, exports, pre_cmd, command in that order', () => {
    const script = buildRemoteScript({ remoteDir: '~/p', subdir: '', preCmd: 'source env.sh', argv: ['ls'], env: { A: 'b' } });
    const lines = script.split('\n');
    expect(lines[0]).toMatch(/^cd "\$HOME"\/p /);
    expect(lines.slice(1, 3)).toEqual(['export A=b', 'source env.sh']);
    expect(lines.at(-1)).toBe('ls');
  });
});
