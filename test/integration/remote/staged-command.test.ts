// The long-line builders, run by real local shells in a throwaway HOME: what is staged arrives and
// runs exactly, privately, and leaves nothing behind.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDirectCommand, needsStaging, planStagedCommand } from '../../../src/remote/staged-command.js';

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-stage-'));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const env = () => ({ HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' });
// As sshd would: the login shell gets the line as `-c LINE` (here bash; the lines are POSIX).
const login = (line: string, input?: Buffer | string) => spawnSync('bash', ['-c', line], { env: env(), input, encoding: 'utf8', cwd: home });
const stageDir = () => path.join(home, '.mtr', 'stage');
const big = (n: number) => `it's "q" $HOME \`id\` \\ \n`.repeat(Math.ceil(n / 24)).slice(0, n);

describe('planStagedCommand', () => {
  it('upload then run: the exact line runs under /bin/sh, its stdin untouched, from a 0600 file that removes itself', () => {
    const arg = big(300_000);
    const line = `printf '%s' '${arg.replace(/'/g, `'\\''`)}' | sha256sum; cat; ls -A "$HOME/.mtr/stage"`;
    const plan = planStagedCommand(line, '0123456789abcdef');
    expect(Buffer.byteLength(plan.upload) + Buffer.byteLength(plan.run)).toBeLessThan(1024);
    const up = login(plan.upload, plan.content);
    expect({ status: up.status, stderr: up.stderr }).toEqual({ status: 0, stderr: '' });
    const file = path.join(stageDir(), '0123456789abcdef');
    expect([fs.statSync(stageDir()).mode & 0o777, fs.statSync(file).mode & 0o777]).toEqual([0o700, 0o600]);
    const ran = login(plan.run, 'stdin reaches the command\n');
    const digest = spawnSync('sha256sum', { input: arg, encoding: 'utf8' }).stdout;
    expect({ status: ran.status, stdout: ran.stdout }).toEqual({ status: 0, stdout: `${digest}stdin reaches the command\n` });
    expect(fs.readdirSync(stageDir())).toEqual([]);
  });

  it('an upload removes files left a day ago, not newer ones', () => {
    fs.mkdirSync(stageDir(), { recursive: true });
    const old = path.join(stageDir(), 'aaaaaaaaaaaaaaaa');
    const recent = path.join(stageDir(), 'bbbbbbbbbbbbbbbb');
    fs.writeFileSync(old, 'x');
    fs.writeFileSync(recent, 'y');
    const twoDaysAgo = Date.now() / 1000 - 2 * 86400;
    fs.utimesSync(old, twoDaysAgo, twoDaysAgo);
    const plan = planStagedCommand('true', 'cccccccccccccccc');
    expect(login(plan.upload, plan.content).status).toBe(0);
    expect(fs.readdirSync(stageDir()).sort()).toEqual(['bbbbbbbbbbbbbbbb', 'cccccccccccccccc']);
  });

  it('refuses an id that is not hex', () => {
    expect(() => planStagedCommand('true', '../x')).toThrow(/bad stage id/);
  });
});

describe('buildDirectCommand', () => {
  it('a short script runs inline (sh -c), nothing written', () => {
    const line = buildDirectCommand('echo "$0"; umask');
    expect(line.startsWith('exec /bin/sh -c ')).toBe(true);
    const ran = login(`umask 027; ${line}`);
    // $0 is the shell's own name, so its errors read as with plain ssh.
    expect(ran.stdout).toBe('bash\n0027\n');
    expect(fs.existsSync(path.join(home, '.mtr'))).toBe(false);
  });

  it.each(['bash', '/bin/sh'])('a long script runs from a private file with the caller umask (run by %s)', (shell) => {
    const arg = big(200_000);
    const script = `umask; printf '%s' '${arg.replace(/'/g, `'\\''`)}' | sha256sum; cat`;
    const line = buildDirectCommand(script);
    expect(needsStaging(line)).toBe(true);
    // The line itself is too long for `-c` here too: the shell reads it from a file.
    const outer = path.join(home, 'outer.sh');
    fs.writeFileSync(outer, `umask 027\n${line}\n`);
    const ran = spawnSync(shell, [outer], { env: env(), input: 'in\n', encoding: 'utf8' });
    const digest = spawnSync('sha256sum', { input: arg, encoding: 'utf8' }).stdout;
    expect({ status: ran.status, stdout: ran.stdout, stderr: ran.stderr }).toEqual({ status: 0, stdout: `0027\n${digest}in\n`, stderr: '' });
    expect(fs.readdirSync(stageDir())).toEqual([]);
    expect(fs.statSync(stageDir()).mode & 0o777).toBe(0o700);
  });
});
