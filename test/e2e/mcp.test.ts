// `mtr --mcp` end to end: the SDK's own client over stdio against the built binary and the run's
// sshd. Every tool, the errors, a REPL on a terminal, calls in flight at once, jobs shared with the
// CLI, progress notifications, a clean stdout and a dropped link.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, connectMcp, failed, ok, type McpSession } from '../support/mcp-client.js';
import { makeProject, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

const TOOLS = ['run', 'start', 'jobs', 'output', 'wait', 'send', 'keys', 'screen', 'kill', 'sync', 'get'];

describeE2E('mtr --mcp', (sshd) => {
  let project: Project;
  let mcp: McpSession;
  const names: string[] = [];
  const newName = (what: string) => {
    const name = `e2e-mcp-${what}-${randomBytes(3).toString('hex')}`;
    names.push(name);
    return name;
  };

  beforeAll(async () => {
    project = makeProject({ sshd, files: { 'hello.txt': 'hello\n', 'sub/data.txt': 'data\n' } });
    mcp = await connectMcp(project);
  });
  afterAll(async () => {
    for (const name of names) await project.run(['--no-sync', '--kill', name]);
    await mcp?.close();
  });

  it('lists the eleven tools, each with an input and an output schema', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.description, tool.name).toBeTruthy();
    }
    const run = tools.find((t) => t.name === 'run');
    expect(run?.inputSchema.required).toEqual(['command']);
    expect(Object.keys(run?.outputSchema?.properties ?? {})).toEqual(expect.arrayContaining(['name', 'server', 'state', 'exitCode', 'stdout', 'stderr', 'truncated']));
  });

  it('run: syncs, runs, returns the exit code and both streams', async () => {
    const name = newName('run');
    const record = ok(await call(mcp, 'run', { command: 'cat hello.txt; echo oops >&2; exit 3', name }));
    expect(record).toMatchObject({ name, server: 'test', state: 'ended', exitCode: 3, stdout: 'hello\n', stderr: 'oops\n', truncated: false });
    expect(record.sync).toMatchObject({ filesSent: 2 });
    // An argv array is the argv, quoted for the remote shell.
    const argv = ok(await call(mcp, 'run', { command: ['printf', '%s|', 'a b', '$HOME', ';'], sync: false }));
    expect(argv).toMatchObject({ state: 'ended', exitCode: 0, stdout: 'a b|$HOME|;|' });
  });

  it('run on a terminal: the terminal stream and the exit code', async () => {
    const record = ok(await call(mcp, 'run', { command: 'test -t 1 && echo on-a-tty; exit 4', tty: true, sync: false }));
    expect(record).toMatchObject({ state: 'ended', exitCode: 4, stderr: '' });
    expect(String(record.stdout)).toMatch(/on-a-tty\r?\n/);
  });

  it('run: still running at timeoutSeconds → state "running", and the job goes on', async () => {
    const name = newName('slow');
    const record = ok(await call(mcp, 'run', { command: 'echo begun; sleep 30', name, timeoutSeconds: 1, sync: false }));
    expect(record).toMatchObject({ name, state: 'running', exitCode: null });
    expect(ok(await call(mcp, 'wait', { name, pattern: 'begun', timeoutSeconds: 20 }))).toMatchObject({ matched: true });
    const jobs = ok(await call(mcp, 'jobs', {}));
    expect((jobs.jobs as { name: string; state: string }[]).find((j) => j.name === name)?.state).toBe('running');
  });

  it('start, jobs and output (offsets give only what is new)', async () => {
    const name = newName('start');
    // The second line comes once the test says so (a file in the job's folder).
    const started = ok(await call(mcp, 'start', { command: `echo one; while [ ! -f ${name}.go ]; do sleep 0.1; done; echo two; echo bad >&2; sleep 30`, name, sync: false }));
    expect(started).toEqual({ name, server: 'test', state: 'running' });
    const listed = ok(await call(mcp, 'jobs', {}));
    expect((listed.jobs as { name: string; kind: string }[]).find((j) => j.name === name)).toMatchObject({ kind: 'batch' });

    let first = ok(await call(mcp, 'output', { name }));
    for (let i = 0; i < 100 && !String(first.stdout).includes('one'); i++) first = ok(await call(mcp, 'output', { name }));
    expect(first.stdout).toBe('one\n');
    expect(first.nextOffset).toBe(4);
    fs.writeFileSync(path.join(project.remoteDir, `${name}.go`), '');
    let next = ok(await call(mcp, 'output', { name, sinceOffset: first.nextOffset }));
    for (let i = 0; i < 200 && next.stdout === ''; i++) next = ok(await call(mcp, 'output', { name, sinceOffset: first.nextOffset }));
    expect(next).toMatchObject({ stdout: 'two\n', nextOffset: 8, truncated: false });
    const tail = ok(await call(mcp, 'output', { name, tailLines: 1 }));
    expect(tail).toMatchObject({ stdout: 'two\n', stderr: 'bad\n' });
  });

  it('wait: for a pattern, for the end, and a timeout that leaves the job running', async () => {
    const name = newName('wait');
    ok(await call(mcp, 'start', { command: 'echo ready; sleep 2; exit 7', name, sync: false }));
    expect(ok(await call(mcp, 'wait', { name, pattern: '^rea', timeoutSeconds: 20 }))).toEqual({ name, state: 'running', exitCode: null, matched: true, line: 'ready' });
    expect(ok(await call(mcp, 'wait', { name, timeoutSeconds: 20 }))).toEqual({ name, state: 'ended', exitCode: 7, matched: false, line: null });
    const slow = newName('wait-slow');
    ok(await call(mcp, 'start', { command: 'sleep 30', name: slow, sync: false }));
    expect(ok(await call(mcp, 'wait', { name: slow, timeoutSeconds: 0.5 }))).toEqual({ name: slow, state: 'timeout', exitCode: null, matched: false, line: null });
    expect(ok(await call(mcp, 'kill', { name: slow }))).toMatchObject({ name: slow, state: 'stopped' });
    expect(ok(await call(mcp, 'kill', { name }))).toEqual({ name, state: 'ended', exitCode: 7 });
  });

  it('a REPL on a terminal: start(tty) + send + screen + keys + wait', async () => {
    const name = newName('repl');
    ok(await call(mcp, 'start', { command: ['python3', '-i', '-q'], name, tty: true, sync: false }));
    const screenShows = async (text: RegExp) => {
      let shown = '';
      for (let i = 0; i < 200 && !text.test(shown); i++) shown = String(ok(await call(mcp, 'screen', { name })).text);
      expect(shown).toMatch(text);
      return shown;
    };
    await screenShows(/>>> *$/m);
    expect(ok(await call(mcp, 'send', { name, text: 'x = "it\'s $(here); ok"' }))).toEqual({ name, state: 'running' });
    ok(await call(mcp, 'send', { name, text: 'print(x * 2)' }));
    await screenShows(/it's \$\(here\); okit's \$\(here\); ok/);
    expect(ok(await call(mcp, 'wait', { name, pattern: 'okit', timeoutSeconds: 20 }))).toMatchObject({ matched: true });
    ok(await call(mcp, 'send', { name, text: 'while True: pass', enter: true }));
    ok(await call(mcp, 'send', { name, text: '', enter: true }));
    ok(await call(mcp, 'keys', { name, keys: ['C-c'] }));
    await screenShows(/KeyboardInterrupt/);
    ok(await call(mcp, 'send', { name, text: 'raise SystemExit(5)' }));
    expect(ok(await call(mcp, 'wait', { name, timeoutSeconds: 20 }))).toMatchObject({ state: 'ended', exitCode: 5 });
  });

  it('errors are isError results with the CLI\'s message and fix, and the server goes on', async () => {
    expect(failed(await call(mcp, 'output', { name: 'no-such-job-here' }))).toMatch(/^mtr: no job named no-such-job-here on test .*\n {2}fix: see `mtr --jobs`$/s);
    expect(failed(await call(mcp, 'run', { command: 'true', server: 'nowhere' }))).toMatch(/^mtr: .*nowhere.*\n {2}fix: /s);
    expect(failed(await call(mcp, 'wait', { timeoutSeconds: 1 }))).toMatch(/name/);
    expect(failed(await call(mcp, 'keys', { name: 'x', keys: ['Hyper-Q'] }))).toMatch(/^mtr: .*Hyper-Q/);
    expect(failed(await call(mcp, 'send', { name: 'bad name!', text: 'x' }))).toMatch(/^mtr: .*name/);
    expect(failed(await call(mcp, 'output', { name: 'x', tailLines: 1, sinceOffset: 0 }))).toMatch(/tailLines/);
    expect(failed(await call(mcp, 'wait', { name: 'x', pattern: '(', timeoutSeconds: 1 }))).toMatch(/regular expression/);
    expect(failed(await call(mcp, 'no-such-tool', {}))).toMatch(/no-such-tool/);
    // A batch job has no terminal to type into: the CLI's refusal.
    const batch = newName('notty');
    ok(await call(mcp, 'start', { command: 'sleep 30', name: batch, sync: false }));
    expect(failed(await call(mcp, 'send', { name: batch, text: 'x' }))).toMatch(/-d --tty/);
    // Still serving.
    expect(ok(await call(mcp, 'run', { command: 'echo alive', sync: false }))).toMatchObject({ stdout: 'alive\n' });
  });

  it('two runs in flight at once', async () => {
    const [a, b] = [newName('para-a'), newName('para-b')];
    // Each waits for the other's file: they finish only if both run at the same time.
    const dir = project.remoteDir;
    const [ra, rb] = await Promise.all([
      call(mcp, 'run', { name: a, sync: false, timeoutSeconds: 20, command: `touch ${dir}/${a}.up; while [ ! -f ${dir}/${b}.up ]; do sleep 0.1; done; echo A` }),
      call(mcp, 'run', { name: b, sync: false, timeoutSeconds: 20, command: `touch ${dir}/${b}.up; while [ ! -f ${dir}/${a}.up ]; do sleep 0.1; done; echo B` }),
    ]);
    expect(ok(ra)).toMatchObject({ state: 'ended', exitCode: 0, stdout: 'A\n' });
    expect(ok(rb)).toMatchObject({ state: 'ended', exitCode: 0, stdout: 'B\n' });
  });

  it('jobs are shared with the CLI both ways', async () => {
    const viaMcp = newName('from-mcp');
    ok(await call(mcp, 'start', { command: 'sleep 30', name: viaMcp, sync: false }));
    const listed = await project.run(['--jobs', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((j) => j.name)).toContain(viaMcp);
    const viaCli = newName('from-cli');
    const started = await project.run(['--no-sync', '-d', '--name', viaCli, 'sh', '-c', 'echo cli-out; sleep 30']);
    expect(started.code, started.stderr).toBe(0);
    const jobs = ok(await call(mcp, 'jobs', {}));
    expect((jobs.jobs as { name: string }[]).map((j) => j.name)).toContain(viaCli);
    expect(ok(await call(mcp, 'wait', { name: viaCli, pattern: 'cli-out', timeoutSeconds: 20 }))).toMatchObject({ matched: true });
    expect(ok(await call(mcp, 'kill', { name: viaCli }))).toMatchObject({ state: 'stopped' });
  });

  it('sync and get', async () => {
    const synced = ok(await call(mcp, 'sync', {}));
    expect(synced).toMatchObject({ filesSent: expect.any(Number), bytesSent: expect.any(Number), seconds: expect.any(Number) });
    expect(['rsync', 'sftp']).toContain(synced.engine);
    ok(await call(mcp, 'run', { command: 'mkdir -p out && echo result > out/r.txt', sync: false }));
    const got = ok(await call(mcp, 'get', { remote: 'out', to: 'results', sync: false }));
    expect(got).toMatchObject({ files: 1, bytes: 7 });
    expect(fs.readFileSync(path.join(String(got.path), 'r.txt'), 'utf8')).toBe('result\n');
  });

  it('progress notifications during the sync and a long run', async () => {
    fs.writeFileSync(path.join(project.root, 'more.txt'), 'more\n');
    const messages: string[] = [];
    // The job ends once a "running for" notification has come (the test then drops its file).
    const go = `progress-${randomBytes(3).toString('hex')}.go`;
    const onprogress = (p: { message?: string }) => {
      messages.push(p.message ?? '');
      if (/running for/.test(p.message ?? '')) fs.writeFileSync(path.join(project.remoteDir, go), '');
    };
    const record = ok(await call(mcp, 'run', { command: `while [ ! -f ${go} ]; do sleep 0.1; done; echo done`, timeoutSeconds: 60 }, { onprogress }));
    expect(record).toMatchObject({ state: 'ended', stdout: 'done\n' });
    expect(messages[0]).toMatch(/sync/);
    expect(messages.some((m) => /running for \d+ s/.test(m))).toBe(true);
  });

  it('writes nothing but MCP messages on stdout', () => {
    expect(mcp.errors).toEqual([]);
  });
});
