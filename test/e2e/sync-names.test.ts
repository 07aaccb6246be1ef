// Issue 19 item 7: file names that are not UTF-8 (byte 0xff). rsync sends them byte for byte (and
// leaves out the ignored ones, by their own bytes); SFTP, whose requests carry names as UTF-8 text,
// cannot: it says which ones in one warning and its summary counts them as not sent. --dry-run
// counts them like the engines do.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { makeProject, type Project } from '../support/mtr.js';
import { describeE2E, type SshdInfo } from '../support/sshd.js';

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
const RAW_FILE = bytes('caf', [0xff], '.txt');
const RAW_DIR = bytes('d', [0xfe]);
const RAW_IGNORED = bytes('x', [0xff], '.log');

function writeRaw(root: string, rel: Buffer, content: string): void {
  fs.writeFileSync(Buffer.concat([Buffer.from(`${root}/`), rel]), content);
}

// 3 ordinary files (.gitignore included) + 2 whose names are not UTF-8; one more is ignored.
function project(sshd: SshdInfo, engine: string): Project {
  const p = makeProject({ sshd, servers: { test: { sync: engine } }, files: { 'a.txt': 'a\n', 'sub/b.txt': 'b\n', '.gitignore': '*.log\n' } });
  writeRaw(p.root, RAW_FILE, 'raw name\n');
  fs.mkdirSync(Buffer.concat([Buffer.from(`${p.root}/`), RAW_DIR]));
  writeRaw(p.root, Buffer.concat([RAW_DIR, Buffer.from('/inner.txt')]), 'inside a raw dir\n');
  writeRaw(p.root, RAW_IGNORED, 'ignored\n');
  return p;
}

const remoteNames = (dir: string): Buffer[] => fs.readdirSync(dir, { encoding: 'buffer' }).sort(Buffer.compare);
const SUMMARY = /^mtr: synced (\d+) of (\d+) files? /m;

describeE2E('names that are not UTF-8', (sshd) => {
  it('rsync sends them byte for byte and leaves the ignored one out', async () => {
    const p = project(sshd, 'rsync');
    const result = await p.run(['-v', 'true']);
    expect(result.code, result.stderr).toBe(0);
    expect(remoteNames(p.remoteDir)).toEqual([Buffer.from('.gitignore'), Buffer.from('a.txt'), RAW_FILE, RAW_DIR, Buffer.from('sub')].sort(Buffer.compare));
    expect(fs.readFileSync(Buffer.concat([Buffer.from(`${p.remoteDir}/`), RAW_DIR, Buffer.from('/inner.txt')]), 'utf8')).toBe('inside a raw dir\n');
    expect(SUMMARY.exec(result.stderr)?.slice(1)).toEqual(['5', '5']);
  });

  it('SFTP sends the others, names the two it cannot send in one warning, and counts them as not sent', async () => {
    const p = project(sshd, 'sftp');
    const result = await p.run(['-v', 'true']);
    expect(result.code, result.stderr).toBe(0);
    expect(remoteNames(p.remoteDir)).toEqual([Buffer.from('.gitignore'), Buffer.from('a.txt'), Buffer.from('sub')]);
    const warnings = result.stderr.split('\n').filter((line) => line.includes('not valid UTF-8'));
    expect(warnings).toEqual([
      'mtr: SFTP did not send 2 files whose names are not valid UTF-8 (SFTP carries names as UTF-8 text): caf\\xff.txt, d\\xfe/; rename them, or use sync: rsync, which sends them as they are',
    ]);
    expect(SUMMARY.exec(result.stderr)?.slice(1)).toEqual(['3', '5']);
    // Nothing new: no summary, the same warning (they are still not on the server).
    const again = await p.run(['-v', 'true']);
    expect(again.stderr.trim().split('\n')).toEqual(warnings);
  });

  it.each(['rsync', 'sftp'])('--dry-run (%s) counts them as the engines do and says which they are', async (engine) => {
    const p = project(sshd, engine);
    const result = await p.run(['--dry-run', 'true']);
    expect(result.code, result.stderr).toBe(0);
    // Excluded: .mtr/ and the ignored x\xff.log.
    expect(result.stdout).toMatch(/^ {2}5 files, .* considered .*; 2 paths excluded$/m);
    expect(result.stdout).toContain('  largest: d\\xfe/inner.txt (17 B)\n');
    expect(result.stdout).toContain('  2 files with names that are not valid UTF-8 (rsync sends them as they are; SFTP cannot and skips them): caf\\xff.txt, d\\xfe/\n');
    expect(fs.existsSync(path.join(p.root, '.mtr', 'sync-state'))).toBe(false);
  });
});
