// What must never reach the server: mtr's own folder (the config may hold a password) and a
// download_dir inside the project (what came from the server is not sent back).
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { makeProject } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

describeE2E('sync keeps private things local', (sshd) => {
  it.each(['rsync', 'sftp'])('%s: .mtr/ (config with a password, logs) is never uploaded', async (engine) => {
    const p = makeProject({ sshd, servers: { test: { sync: engine } }, files: { 'a.txt': 'a', '.mtr/logs/old.log': 'x', 'sub/.mtr/keep.txt': 'nested is user data' } });
    const result = await p.run(['-q', 'ls', '-A']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).not.toContain('.mtr');
    expect(fs.existsSync(path.join(p.remoteDir, '.mtr'))).toBe(false);
    expect(fs.readFileSync(path.join(p.remoteDir, 'a.txt'), 'utf8')).toBe('a');
    // Only the project's own .mtr/ is private; a nested folder of that name is ordinary data.
    expect(fs.readFileSync(path.join(p.remoteDir, 'sub/.mtr/keep.txt'), 'utf8')).toBe('nested is user data');
  });

  it('a download_dir inside the project is not uploaded back', async () => {
    const p = makeProject({ sshd, servers: { test: { download_dir: './downloads' } }, files: { 'a.txt': 'a', 'downloads/model.pt': 'big' } });
    expect((await p.run(['-q', 'true'])).code).toBe(0);
    expect(fs.existsSync(path.join(p.remoteDir, 'a.txt'))).toBe(true);
    expect(fs.existsSync(path.join(p.remoteDir, 'downloads'))).toBe(false);
  });
});
