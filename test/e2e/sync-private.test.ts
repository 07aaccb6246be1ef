// What must never reach the server: any `.mtr/` folder at any depth (a config may hold a password)
// and a download_dir inside the project (what came from the server is not sent back). What is never
// sent is never deleted there either.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { makeProject } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

describeE2E('sync keeps private things local', (sshd) => {
  const NESTED = {
    'a.txt': 'a',
    '.mtr/logs/old.log': 'x',
    'sub/.mtr/config.yaml': 'servers:\n  gpu:\n    password: hunter2\n',
    'sub/keep.txt': 'sub',
    'deep/er/.mtr/logs/x.log': 'log',
    // A .mtrignore negation cannot let one out either.
    '.mtrignore': '!sub/.mtr/\n',
  };

  it.each(['rsync', 'sftp'])('%s: no .mtr/ at any depth is uploaded (config with a password, logs)', async (engine) => {
    const p = makeProject({ sshd, servers: { test: { sync: engine } }, files: NESTED });
    const result = await p.run(['-q', 'ls', '-A']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).not.toContain('.mtr');
    expect(fs.existsSync(path.join(p.remoteDir, '.mtr'))).toBe(false);
    expect(fs.readFileSync(path.join(p.remoteDir, 'a.txt'), 'utf8')).toBe('a');
    expect(fs.readFileSync(path.join(p.remoteDir, 'sub/keep.txt'), 'utf8')).toBe('sub');
    expect(fs.existsSync(path.join(p.remoteDir, 'sub/.mtr'))).toBe(false);
    expect(fs.existsSync(path.join(p.remoteDir, 'deep/er'))).toBe(true);
    expect(fs.existsSync(path.join(p.remoteDir, 'deep/er/.mtr'))).toBe(false);
    // --dry-run counts what is sent: a.txt, sub/keep.txt, .mtrignore.
    const dry = await p.run(['--dry-run', 'true']);
    expect(dry.stdout).toMatch(/^ {2}3 files, /m);
  });

  it.each(['rsync', 'sftp'])('%s --delete: a remote .mtr/ at any depth is never deleted', async (engine) => {
    const p = makeProject({ sshd, servers: { test: { sync: engine } }, files: NESTED });
    expect((await p.run(['-q', 'true'])).code).toBe(0);
    // The server's own .mtr folders (say, another tool's or an older sync's), none of them local.
    for (const rel of ['.mtr/x.txt', 'sub/.mtr/y.txt', 'gone/.mtr/z.txt', 'gone/other.txt']) {
      fs.mkdirSync(path.dirname(path.join(p.remoteDir, rel)), { recursive: true });
      fs.writeFileSync(path.join(p.remoteDir, rel), 'remote only');
    }
    const result = await p.run(['-q', '--delete', 'true']);
    expect(result.code, result.stderr).toBe(0);
    expect(fs.existsSync(path.join(p.remoteDir, 'gone/other.txt'))).toBe(false);
    for (const rel of ['.mtr/x.txt', 'sub/.mtr/y.txt', 'gone/.mtr/z.txt']) expect(fs.existsSync(path.join(p.remoteDir, rel)), rel).toBe(true);
  });

  it('a download_dir inside the project is not uploaded back', async () => {
    const p = makeProject({ sshd, servers: { test: { download_dir: './downloads' } }, files: { 'a.txt': 'a', 'downloads/model.pt': 'big' } });
    expect((await p.run(['-q', 'true'])).code).toBe(0);
    expect(fs.existsSync(path.join(p.remoteDir, 'a.txt'))).toBe(true);
    expect(fs.existsSync(path.join(p.remoteDir, 'downloads'))).toBe(false);
  });
});
