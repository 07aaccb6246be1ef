// `mtr --mcp` end to end: the SDK's own client over stdio against the built binary and the run's
// sshd. Every tool, the errors, a REPL on a terminal, calls in flight at once, jobs shared with the
// CLI, progress notifications, a clean stdout and a dropped link.
import { randomBytes } from 'node:crypto';
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

  it('run: still running at timeoutSeconds → state "running", and the job goes on', async () => {
    const name = newName('slow');
    const record = ok(await call(mcp, 'run', { command: 'echo begun; sleep 30', name, timeoutSeconds: 1, sync: false }));
    expect(record).toMatchObject({ name, state: 'running', exitCode: null, stdout: 'begun\n' });
    const jobs = ok(await call(mcp, 'jobs', {}));
    expect((jobs.jobs as { name: string; state: string }[]).find((j) => j.name === name)?.state).toBe('running');
  });

  it('start, jobs and output (offsets give only what is new)', async () => {
    const name = newName('start');
    const started = ok(await call(mcp, 'start', { command: 'echo one; sleep 1; echo two; echo bad >&2; sleep 30', name, sync: false }));
    expect(started).toEqual({ name, server: 'test', state: 'running' });
    const listed = ok(await call(mcp, 'jobs', {}));
    expect((listed.jobs as { name: string; kind: string }[]).find((j) => j.name === name)).toMatchObject({ kind: 'batch' });

    let first = ok(await call(mcp, 'output', { name }));
    for (let i = 0; i < 100 && !String(first.stdout).includes('one'); i++) first = ok(await call(mcp, 'output', { name }));
    expect(first.stdout).toBe('one\n');
    expect(first.nextOffset).toBe(4);
    let next = ok(await call(mcp, 'output', { name, sinceOffset: first.nextOffset }));
    for (let i = 0; i < 200 && next.stdout === ''; i++) next = ok(await call(mcp, 'output', { name, sinceOffset: first.nextOffset }));
    expect(next).toMatchObject({ stdout: 'two\n', nextOffset: 8, truncated: false });
    const tail = ok(await call(mcp, 'output', { name, tailLines: 1 }));
    expect(tail).toMatchObject({ stdout: 'two\n', stderr: 'bad\n' });
  });
});
