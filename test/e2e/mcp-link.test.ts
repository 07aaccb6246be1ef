// `mtr --mcp` and its connection: one login serves every call, a link that drops is opened afresh
// for the next call (the jobs go on in the server's tmux), and stdout carries nothing but MCP
// messages even while commands print. Through a loopback proxy the test can reset or cut.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it, type TestContext } from 'vitest';
import { startCutProxy, trustProxy, type CutProxy } from '../support/cut-proxy.js';
import { call, connectMcp, failed, ok } from '../support/mcp-client.js';
import { makeProject, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

const DEAD_LINK_TIMEOUT_S = 2;

describeE2E('mtr --mcp: its connection', (sshd) => {
  async function projectBehindProxy(context: TestContext): Promise<{ project: Project; proxy: CutProxy }> {
    const proxy = await startCutProxy({ host: sshd.host, port: sshd.port });
    context.onTestFinished(() => proxy.close());
    const project = makeProject({ sshd, servers: { test: { port: proxy.port, dead_link_timeout: DEAD_LINK_TIMEOUT_S } }, files: { 'a.txt': 'a\n' } });
    trustProxy(project.home, sshd, proxy);
    return { project, proxy };
  }
  const jobName = (what: string) => `e2e-mcp-link-${what}-${randomBytes(3).toString('hex')}`;

  it('one login for every call; after a reset the next call logs in again and the job went on', async (context) => {
    const { project, proxy } = await projectBehindProxy(context);
    const mcp = await connectMcp(project, ['--no-sync']);
    context.onTestFinished(() => mcp.close());
    const name = jobName('reset');
    context.onTestFinished(async () => void (await project.run(['--no-sync', '--kill', name])));
    ok(await call(mcp, 'start', { command: 'echo before; sleep 30', name }));
    for (let i = 0; i < 3; i++) ok(await call(mcp, 'jobs', {}));
    expect(ok(await call(mcp, 'wait', { name, pattern: 'before', timeoutSeconds: 20 }))).toMatchObject({ matched: true });
    const logins = proxy.accepted();
    expect(logins).toBeLessThanOrEqual(2);

    proxy.reset();
    // The drop may be seen by the next call or before it; either way the one after works.
    const next = await call(mcp, 'jobs', {});
    const jobs = next.isError ? ok(await call(mcp, 'jobs', {})) : ok(next);
    expect((jobs.jobs as { name: string; state: string }[]).find((j) => j.name === name)?.state).toBe('running');
    expect(proxy.accepted()).toBeGreaterThan(logins);
    expect(ok(await call(mcp, 'run', { command: 'cat a.txt', sync: true }))).toMatchObject({ exitCode: 0, stdout: 'a\n' });
    expect(mcp.errors).toEqual([]);
  });

  it('a link that dies silently fails the call in flight with the CLI\'s message; the next call works', async (context) => {
    const { project, proxy } = await projectBehindProxy(context);
    const mcp = await connectMcp(project, ['--no-sync']);
    context.onTestFinished(() => mcp.close());
    const name = jobName('cut');
    context.onTestFinished(async () => void (await project.run(['--no-sync', '--kill', name])));
    ok(await call(mcp, 'start', { command: 'sleep 60', name }));
    const waiting = call(mcp, 'wait', { name, timeoutSeconds: 50 });
    // The wait's channel is open on the pooled link; then the cable is pulled.
    await new Promise((resolve) => setTimeout(resolve, 500));
    proxy.cut();
    const answer = await waiting;
    expect(failed(answer)).toMatch(/^mtr: /);
    const jobs = ok(await call(mcp, 'jobs', {}));
    expect((jobs.jobs as { name: string; state: string }[]).find((j) => j.name === name)?.state).toBe('running');
  });

  it('stdout carries only MCP messages while commands print on stdout and stderr', async (context) => {
    const project = makeProject({ sshd, files: { 'a.txt': 'a\n' } });
    const mcp = await connectMcp(project);
    context.onTestFinished(() => mcp.close());
    ok(await call(mcp, 'run', { command: 'for i in 1 2 3; do echo out $i; echo err $i >&2; done' }));
    ok(await call(mcp, 'sync', {}));
    failed(await call(mcp, 'output', { name: 'missing-job' }));
    expect(mcp.errors).toEqual([]);
    // Diagnostics go to stderr.
    expect(mcp.stderr()).toMatch(/MCP server ready/);
  });

  it('takes only its own flags (exit 2 otherwise), and --log-file keeps one log for every call', async (context) => {
    const project = makeProject({ sshd });
    for (const args of [['--mcp', 'echo'], ['--mcp', '--json'], ['--mcp', '--dry-run'], ['--mcp', '--jobs']]) {
      const refused = await project.run(args);
      expect({ code: refused.code, stdout: refused.stdout }, args.join(' ')).toEqual({ code: 2, stdout: '' });
      expect(refused.stderr).toMatch(/^mtr: .*\n {2}fix: /);
    }
    const mcp = await connectMcp(project, ['--log-file', 'mcp.log']);
    context.onTestFinished(() => mcp.close());
    ok(await call(mcp, 'run', { command: 'echo logged', sync: false }));
    ok(await call(mcp, 'jobs', {}));
    const log = fs.readFileSync(path.join(project.root, 'mcp.log'), 'utf8');
    expect(log).toMatch(/mtr run: server=test/);
    expect(fs.readdirSync(project.root).filter((f) => f.endsWith('.log'))).toEqual(['mcp.log']);
  });
});
