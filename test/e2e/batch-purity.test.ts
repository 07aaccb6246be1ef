// Batch output is the program's: an agent capturing `2>&1` gets exactly what the remote command
// printed. mtr's own lines appear only when something needs attention, or with -v.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { cleanEnv, makeProject, MTR_BIN } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

describeE2E('batch output is pure', (sshd) => {
  for (const engine of ['rsync', 'sftp'] as const) {
    it(`${engine}: a run that syncs changed files prints only the program's output, also as 2>&1`, async () => {
      const p = makeProject({ sshd, servers: { test: { sync: engine } }, files: { 'train.py': 'print("epoch 1")\n', 'data/a.csv': '1,2\n' } });
      const first = await p.run(['python3', 'train.py']);
      expect(first).toMatchObject({ code: 0, stdout: 'epoch 1\n', stderr: '' });
      fs.writeFileSync(path.join(p.root, 'train.py'), 'import sys\nprint("epoch 2")\nprint("warn", file=sys.stderr)\n');
      // As the original tool's agent recipe captures it: one stream, the program's bytes only.
      const merged = spawnSync('sh', ['-c', `"${process.execPath}" "${MTR_BIN}" python3 train.py 2>&1`], { cwd: p.root, env: cleanEnv(p.env), encoding: 'utf8' });
      expect(merged.status).toBe(0);
      expect(merged.stdout.split('\n').sort()).toEqual(['', 'epoch 2', 'warn']);
      expect(fs.readFileSync(path.join(p.remoteDir, 'train.py'), 'utf8')).toContain('epoch 2');
    });
  }

  it('-v adds the one summary line; -q is still accepted', async () => {
    const p = makeProject({ sshd, files: { 'a.txt': 'a\n' } });
    const verbose = await p.run(['-v', 'cat', 'a.txt']);
    expect(verbose.stdout).toBe('a\n');
    expect(verbose.stderr).toMatch(/^mtr: synced 1 of 1 file \(2 B\) via (rsync|sftp) in (\d+ ms|\d+\.\d s)\n$/);
    fs.writeFileSync(path.join(p.root, 'b.txt'), 'b\n');
    const quiet = await p.run(['-q', 'cat', 'b.txt']);
    expect(quiet).toMatchObject({ code: 0, stdout: 'b\n', stderr: '' });
  });

  it('what needs attention still shows: a failing command keeps its own stderr and code', async () => {
    const p = makeProject({ sshd, files: { 'x.txt': 'x\n' } });
    const result = await p.run(['sh', '-c', 'echo oops >&2; exit 3']);
    expect(result).toMatchObject({ code: 3, stdout: '', stderr: 'oops\n' });
  });
});
