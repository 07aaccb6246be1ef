import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMtr } from '../support/mtr.js';

// The built binary keeps a parsed config in its private runtime folder (src/config/cache.ts). These
// runs prove an edit is always seen and errors are still reported. Only --dry-run: no server needed.

let dir: string;
let project: string;
let runtime: string;
let home: string;

const configFile = () => path.join(project, '.mtr', 'config.yaml');
const writeConfig = (text: string) => fs.writeFileSync(configFile(), text);
const serverConfig = (remoteDir: string) => `servers:\n  gpu:\n    host: 127.0.0.1\n    port: 2\n    remote_dir: ${remoteDir}\n`;
const dryRun = (cwd = project) => runMtr(['--dry-run', '--no-sync', 'true'], { cwd, env: { HOME: home, XDG_RUNTIME_DIR: runtime } });
const cacheFiles = () => fs.readdirSync(path.join(runtime, 'mtr')).filter((name) => name.startsWith('config-'));
// Each run names its job afresh; everything else must match.
const withoutJobName = (stdout: string) => stdout.replace(/project-[0-9a-f]{6}/g, 'JOB');
const remoteDirLine = (stdout: string) => stdout.split('\n').find((line) => line.startsWith('remote dir:'));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-config-cache-'));
  project = path.join(dir, 'project');
  runtime = path.join(dir, 'run');
  home = path.join(dir, 'home');
  fs.mkdirSync(path.join(project, '.mtr'), { recursive: true });
  fs.mkdirSync(runtime, { mode: 0o700 });
  fs.mkdirSync(home);
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('config cache (built binary)', () => {
  it('keeps one private copy and answers the same from it', async () => {
    writeConfig(serverConfig('/srv/aaaa'));
    const first = await dryRun();
    expect(first.code, first.stderr).toBe(0);
    expect(cacheFiles()).toHaveLength(1);
    const stat = fs.statSync(path.join(runtime, 'mtr', cacheFiles()[0]!));
    expect(stat.mode & 0o777).toBe(0o600);
    const second = await dryRun();
    expect(withoutJobName(second.stdout)).toBe(withoutJobName(first.stdout));
    expect(remoteDirLine(second.stdout)).toBe('remote dir:  /srv/aaaa');
  });

  it('answers from the copy while the files are unchanged (the copy is really read)', async () => {
    writeConfig(serverConfig('/srv/aaaa'));
    expect((await dryRun()).code).toBe(0);
    const copy = path.join(runtime, 'mtr', cacheFiles()[0]!);
    fs.writeFileSync(copy, fs.readFileSync(copy, 'utf8').replaceAll('/srv/aaaa', '/srv/from-the-copy'));
    expect(remoteDirLine((await dryRun()).stdout)).toBe('remote dir:  /srv/from-the-copy');
  });

  it('sees an edit at once, even one that keeps the file size', async () => {
    writeConfig(serverConfig('/srv/aaaa'));
    expect((await dryRun()).code).toBe(0);
    writeConfig(serverConfig('/srv/bbbb'));
    expect(remoteDirLine((await dryRun()).stdout)).toBe('remote dir:  /srv/bbbb');
  });

  it('reports an error introduced after a good run, then recovers when it is fixed', async () => {
    writeConfig(serverConfig('/srv/aaaa'));
    expect((await dryRun()).code).toBe(0);
    writeConfig('servers:\n  gpu:\n    host: 127.0.0.1\n    port: not-a-port\n');
    const broken = await dryRun();
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/config\.yaml:4/);
    writeConfig(serverConfig('/srv/cccc'));
    expect(remoteDirLine((await dryRun()).stdout)).toBe('remote dir:  /srv/cccc');
  });

  it('notices a user config that appears later', async () => {
    writeConfig(serverConfig('/srv/aaaa').replace('    remote_dir: /srv/aaaa\n', ''));
    const before = await dryRun();
    expect(before.code, before.stderr).toBe(0);
    fs.mkdirSync(path.join(home, '.config', 'mtr'), { recursive: true });
    fs.writeFileSync(path.join(home, '.config', 'mtr', 'config.yaml'), 'defaults:\n  remote_dir: /srv/from-user\n');
    expect(remoteDirLine((await dryRun()).stdout)).toBe('remote dir:  /srv/from-user');
  });

  it('ignores a damaged copy and writes a good one', async () => {
    writeConfig(serverConfig('/srv/aaaa'));
    expect((await dryRun()).code).toBe(0);
    const copy = path.join(runtime, 'mtr', cacheFiles()[0]!);
    fs.writeFileSync(copy, '{"key": tru');
    const result = await dryRun();
    expect(result.code, result.stderr).toBe(0);
    expect(remoteDirLine(result.stdout)).toBe('remote dir:  /srv/aaaa');
    expect(() => JSON.parse(fs.readFileSync(copy, 'utf8'))).not.toThrow();
  });
});
