// --json end to end: every record an agent reads (a run, -d, --wait, --logs, --screen, --kill,
// --jobs, --get, several servers), bounded output, the exit code agreeing with the record, errors
// leaving stdout empty, and --timeout stopping a job. The "remote" is this machine: its
// ~/.mtr/jobs and process table are inspected directly.
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeProject, type Project, type RunResult } from '../support/mtr.js';
import { processTable, type ProcessRow } from '../support/processes.js';
import { JOBS_DIR, describeE2E } from '../support/sshd.js';
import { eventually } from '../support/eventually.js';

/** Live processes whose whole command line is `args`. */
function processesRunning(args: string): ProcessRow[] {
  return processTable().filter((p) => p.state !== 'Z' && p.args === args);
}

/** stdout is exactly one JSON document (and a newline); the exit code is the record's. */
function parseOne(result: RunResult): Record<string, unknown> {
  expect(result.stdout.endsWith('}\n') || result.stdout.endsWith(']\n'), `stdout: ${result.stdout.slice(0, 300)} (stderr: ${result.stderr})`).toBe(true);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describeE2E('--json records and --timeout', (sshd) => {
  let p: Project;
  const names: string[] = [];
  const newName = (what: string) => {
    const name = `e2e-json-${what}-${randomBytes(3).toString('hex')}`;
    names.push(name);
    return name;
  };

  beforeAll(() => {
    p = makeProject({ sshd, files: { 'data.txt': 'input\n' } });
  });

  afterAll(() => {
    for (const name of names) fs.rmSync(path.join(JOBS_DIR, name), { recursive: true, force: true });
  });

  it('a run: one record with the output, the code, the log paths and the sync', async () => {
    const name = newName('run');
    const result = await p.run(['--json', '--name', name, 'sh', '-c', 'cat data.txt; echo oops >&2; exit 3']);
    expect(result.code).toBe(3);
    const record = parseOne(result);
    expect(record).toMatchObject({
      name,
      server: 'test',
      state: 'ended',
      exitCode: 3,
      signal: null,
      stdout: 'input\n',
      stderr: 'oops\n',
      truncated: false,
      logs: { stdout: `~/.mtr/jobs/${name}/out`, stderr: `~/.mtr/jobs/${name}/err` },
    });
    expect(Object.keys(record).sort()).toEqual(['durationSeconds', 'exitCode', 'logs', 'name', 'server', 'signal', 'state', 'stderr', 'stdout', 'sync', 'truncated'].sort());
    expect(typeof record.durationSeconds).toBe('number');
    const sync = record.sync as Record<string, unknown>;
    expect(['rsync', 'sftp']).toContain(sync.engine);
    expect(sync.filesSent).toBeGreaterThanOrEqual(1);
    expect(sync.bytesSent).toBeGreaterThan(0);
    expect(typeof sync.seconds).toBe('number');
    // The full output stays in the job's record on the server.
    expect(fs.readFileSync(path.join(JOBS_DIR, name, 'out'), 'utf8')).toBe('input\n');
  });

  it('--no-sync: sync null; a job killed by a signal names it', async () => {
    const result = await p.run(['--json', '--no-sync', 'sh', '-c', 'kill -9 $$']);
    expect(result.code).toBe(137);
    const record = parseOne(result);
    names.push(record.name as string);
    expect(record).toMatchObject({ state: 'ended', exitCode: 137, signal: 'SIGKILL', sync: null });
  });

  it('--max-output: head and tail of a 1 MB output are kept, truncated true', async () => {
    const script = 'printf HEAD; head -c 1000000 /dev/zero | tr "\\0" x; printf TAIL';
    const result = await p.run(['--json', '--no-sync', '--max-output', '1000', 'sh', '-c', script]);
    expect(result.code).toBe(0);
    const record = parseOne(result);
    names.push(record.name as string);
    const stdout = record.stdout as string;
    expect(record.truncated).toBe(true);
    expect(stdout.startsWith('HEADxxx')).toBe(true);
    expect(stdout.endsWith('xxxTAIL')).toBe(true);
    expect(Buffer.byteLength(stdout)).toBeLessThan(1100);
    expect(stdout).toMatch(/bytes left out/);
  });

  it('-d, --wait --for, --screen, --logs, --kill, --wait: each one record', async () => {
    const name = newName('flow');
    const script = 'echo starting; echo problem >&2; echo ready; sleep 3600';
    const detached = await p.run(['--json', '--no-sync', '-d', '--name', name, 'sh', '-c', script]);
    expect(detached.code).toBe(0);
    expect(parseOne(detached)).toEqual({ name, server: 'test', state: 'running' });

    const waited = await p.run(['--json', '--wait', name, '--for', '^ready']);
    expect(waited.code).toBe(0);
    expect(parseOne(waited)).toEqual({ name, state: 'running', exitCode: 0, matched: true, line: 'ready' });

    const screen = await p.run(['--json', '--screen', name]);
    expect(screen.code).toBe(0);
    const shown = parseOne(screen);
    expect(Object.keys(shown).sort()).toEqual(['name', 'text']);
    expect(shown.name).toBe(name);
    expect(shown.text).toContain('ready');

    const logs = await p.run(['--json', '--logs', name]);
    expect(logs.code).toBe(0);
    expect(parseOne(logs)).toEqual({ name, stdout: 'starting\nready\n', stderr: 'problem\n', truncated: false });

    const listed = await p.run(['--json', '--jobs']);
    expect(listed.code).toBe(0);
    const job = (JSON.parse(listed.stdout) as Record<string, unknown>[]).find((j) => j.name === name);
    expect(job).toMatchObject({ name, state: 'running', kind: 'batch', tty: false, project: p.remoteDir });

    const killed = await p.run(['--json', '--kill', name]);
    expect(killed.code).toBe(0);
    expect(parseOne(killed)).toEqual({ name, state: 'stopped' });

    const ended = await p.run(['--json', '--wait', name]);
    expect(ended.code).toBe(130);
    expect(parseOne(ended)).toEqual({ name, state: 'ended', exitCode: 130, matched: false, line: null });
  });

  it('a terminal job: -d --tty, --send, --keys, --screen, each one record', async () => {
    const name = newName('tty');
    const detached = await p.run(['--json', '--no-sync', '-d', '--tty', '--name', name, 'cat']);
    expect(detached.code, detached.stderr).toBe(0);
    expect(parseOne(detached)).toEqual({ name, server: 'test', state: 'running' });
    const sent = await p.run(['--json', '--send', name, 'hello-json']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(parseOne(sent)).toEqual({ name, state: 'running' });
    let text = '';
    for (let i = 0; i < 100 && (text.match(/hello-json/g) ?? []).length < 2; i++) {
      const screen = await p.run(['--json', '--screen', name]);
      expect(screen.code, screen.stderr).toBe(0);
      text = parseOne(screen).text as string;
    }
    // Typed once, shown by the terminal's echo and by cat.
    expect((text.match(/hello-json/g) ?? []).length).toBe(2);
    const keys = await p.run(['--json', '--keys', name, 'C-d']);
    expect(keys.code, keys.stderr).toBe(0);
    expect(parseOne(keys)).toEqual({ name, state: 'running' });
    const waited = await p.run(['--json', '--wait', name, '--timeout', '20']);
    expect(parseOne(waited)).toEqual({ name, state: 'ended', exitCode: 0, matched: false, line: null });
  });

  it('--wait --for on a job that ended first: matched false, the code agrees', async () => {
    const name = newName('nomatch');
    expect((await p.run(['--no-sync', '-d', '--name', name, 'sh', '-c', 'exit 4'])).code).toBe(0);
    const result = await p.run(['--json', '--wait', name, '--for', 'never']);
    expect(result.code).toBe(4);
    expect(parseOne(result)).toEqual({ name, state: 'ended', exitCode: 4, matched: false, line: null });
  });

  it('--get: files, bytes and the local path', async () => {
    const made = await p.run(['--no-sync', 'sh', '-c', 'mkdir -p results && printf 12345 >results/a.txt && printf xy >results/b.txt']);
    expect(made.code).toBe(0);
    const into = fs.mkdtempSync(path.join(p.root, 'got-'));
    const result = await p.run(['--json', '--no-sync', '--get', 'results', '--to', `${into}/`]);
    expect(result.code, result.stderr).toBe(0);
    expect(parseOne(result)).toEqual({ files: 2, bytes: 7, path: path.join(into, 'results') });
    expect(fs.readFileSync(path.join(into, 'results', 'a.txt'), 'utf8')).toBe('12345');
  });

  it('an error: its one line on stderr, its exit code, nothing on stdout', async () => {
    const result = await p.run(['--json', '--logs', 'e2e-json-no-such-job']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/no job named e2e-json-no-such-job/);
  });

  it('--timeout stops the job (SIGINT first), exits 124 with one line, and the record says timeout', async () => {
    const name = newName('timeout');
    const sleeper = `sleep 3600.${randomInt(100_000, 999_999)}`;
    const result = await p.run(['--json', '--no-sync', '--name', name, '--timeout', '1', 'sh', '-c', `trap 'echo got-int; exit 9' INT; ${sleeper} & wait`]);
    expect(result.code).toBe(124);
    expect(result.stderr).toBe(`mtr: job ${name} stopped after --timeout 1 s\n`);
    // The job's trap saw SIGINT: the kill script's first signal.
    expect(parseOne(result)).toMatchObject({ name, state: 'timeout', exitCode: 124, signal: null, stdout: 'got-int\n' });
    await eventually(`${sleeper} to be gone`, () => processesRunning(sleeper).length === 0);
    expect(fs.existsSync(path.join(JOBS_DIR, name, 'rc'))).toBe(true);
  });

  it('--timeout without --json: the output streams, then 124', async () => {
    const name = newName('timeout-plain');
    const sleeper = `sleep 3600.${randomInt(100_000, 999_999)}`;
    const result = await p.run(['--no-sync', '--name', name, '--timeout', '1', 'sh', '-c', `echo before; exec ${sleeper}`]);
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 124, stdout: 'before\n', stderr: `mtr: job ${name} stopped after --timeout 1 s\n` });
    await eventually(`${sleeper} to be gone`, () => processesRunning(sleeper).length === 0);
  });
});

describeE2E('--json over several servers', (sshd) => {
  let p: Project;

  beforeAll(() => {
    if (!sshd.password) throw new Error(`fan-out e2e needs the password user: ${sshd.passwordReason}`);
    const remote = (name: string) => {
      const dir = fs.mkdtempSync(path.join(sshd.remoteRoot, `json-${name}-`));
      fs.chmodSync(dir, 0o777);
      return path.join(dir, 'project');
    };
    p = makeProject({
      sshd,
      servers: {
        key: { remote_dir: remote('key') },
        pw: { user: sshd.password.user, password: sshd.password.password, key_filename: undefined, remote_dir: remote('pw') },
      },
    });
  });

  it('a run: {hosts: [one record per server], exitCode} with the largest code', async () => {
    const name = `json-fan-${randomBytes(3).toString('hex')}`;
    const result = await p.run(['--json', '--no-sync', '--name', name, '-s', 'key,pw', 'sh', '-c', 'echo "me $(id -un)"; [ "$(id -un)" = root ] && exit 0; exit 5']);
    expect(result.code).toBe(5);
    const doc = parseOne(result) as { hosts: Record<string, unknown>[]; exitCode: number };
    expect(doc.exitCode).toBe(5);
    expect(doc.hosts.map((h) => [h.server, h.name, h.exitCode, h.state])).toEqual([
      ['key', `${name}-key`, 0, 'ended'],
      ['pw', `${name}-pw`, 5, 'ended'],
    ]);
    expect(doc.hosts[0]!.stdout).toBe('me root\n');
    expect(doc.hosts[1]!.stdout).toBe(`me ${sshd.password!.user}\n`);

    const listed = await p.run(['--json', '--jobs', '-s', 'key,pw']);
    expect(listed.code, listed.stderr).toBe(0);
    const lists = parseOne(listed) as { hosts: { server: string; jobs: { name: string }[] }[]; exitCode: number };
    expect(lists.exitCode).toBe(0);
    expect(lists.hosts.map((h) => [h.server, h.jobs.some((j) => j.name === `${name}-${h.server}`)])).toEqual([
      ['key', true],
      ['pw', true],
    ]);

    const killed = await p.run(['--json', '--kill', name, '-s', 'key,pw']);
    expect(killed.code).toBe(0);
    expect(parseOne(killed)).toEqual({
      hosts: [
        { name: `${name}-key`, state: 'ended', server: 'key' },
        { name: `${name}-pw`, state: 'ended', server: 'pw' },
      ],
      exitCode: 0,
    });
  });
});
