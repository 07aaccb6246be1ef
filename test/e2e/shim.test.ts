// bin/mtr.cjs is a shell script and a CommonJS module at once: as the npm bin it starts Node on
// itself without NODE_EXTRA_CA_CERTS (Node 20 parses every root certificate at startup when it is
// set, nodejs/node#40524), and src/boot.ts gives it back to the processes mtr starts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { makeProject, MTR_BIN, REPO_ROOT, spawnProcess } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

describeE2E('the bin shim', (sshd) => {
  it("keeps NODE_EXTRA_CA_CERTS out of Node's start and hands it on to ssh", async () => {
    const p = makeProject({ sshd });
    // OpenSSH runs LocalCommand (through the user's shell, with its own environment) once connected:
    // it shows what the ssh mtr started was given.
    const seen = path.join(p.home, 'seen');
    fs.writeFileSync(path.join(p.home, '.ssh', 'config'), `Host *\n  PermitLocalCommand yes\n  LocalCommand printf '%%s' "$NODE_EXTRA_CA_CERTS" > ${seen}\n`);
    // A file that does not exist: a Node that reads it warns on stderr at startup.
    const env = { ...p.env, NODE_EXTRA_CA_CERTS: path.join(p.home, 'no-such-ca.pem') };
    const args = ['--no-tty', 'echo', 'hi'];

    const shim = await spawnProcess(MTR_BIN, args, { cwd: p.root, env }).result;
    expect(shim.stderr).toBe('');
    expect(shim.stdout).toBe('hi\n');
    expect(shim.code).toBe(0);
    // The run left a shared connection behind: its ssh got the variable back.
    expect(await eventually('the LocalCommand file', () => fs.existsSync(seen) && fs.readFileSync(seen, 'utf8'))).toBe(env.NODE_EXTRA_CA_CERTS);

    // The check can fail: Node started directly (no shell line) reads it and warns.
    const direct = await spawnProcess(process.execPath, [MTR_BIN, ...args], { cwd: p.root, env }).result;
    expect(direct.stdout).toBe('hi\n');
    expect(direct.stderr).toMatch(/Ignoring extra certs from .*no-such-ca\.pem/);
    await p.run(['--disconnect']);
  });

  it('passes every argument through as it is, and answers --version', async () => {
    const p = makeProject({ sshd });
    const odd = ['a b', '"q"', "it's", '$HOME', '*', '', '-x', '--', 'ü'];
    const run = await spawnProcess(MTR_BIN, ['--no-tty', '--no-sync', 'printf', '[%s]', ...odd], { cwd: p.root, env: p.env }).result;
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(odd.map((arg) => `[${arg}]`).join(''));
    const version = await spawnProcess(MTR_BIN, ['--version'], { cwd: p.root, env: p.env }).result;
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('in a copy that was never built: one line with the fix, exit 1, no stack', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-unbuilt-'));
    try {
      fs.mkdirSync(path.join(dir, 'bin'));
      fs.copyFileSync(MTR_BIN, path.join(dir, 'bin', 'mtr.cjs'));
      fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
      const expected = { code: 1, stdout: '', stderr: "mtr: the built program is missing (dist/): run `npm run build` in mtr's folder\n" };
      const none = await spawnProcess(path.join(dir, 'bin', 'mtr.cjs'), ['true'], { cwd: dir }).result;
      expect({ code: none.code, stdout: none.stdout, stderr: none.stderr }).toEqual(expected);
      // Half built: the loader, not the program.
      fs.mkdirSync(path.join(dir, 'dist'));
      fs.copyFileSync(path.join(REPO_ROOT, 'dist', 'boot.cjs'), path.join(dir, 'dist', 'boot.cjs'));
      const half = await spawnProcess(path.join(dir, 'bin', 'mtr.cjs'), ['true'], { cwd: dir }).result;
      expect({ code: half.code, stdout: half.stdout, stderr: half.stderr }).toEqual(expected);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
