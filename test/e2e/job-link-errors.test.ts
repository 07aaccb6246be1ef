// Job commands whose link dies under them end as a lost connection (255, one `mtr:` line), never as
// an answer: not "no jobs" (exit 0) for --jobs, not a usage error (2) for a job start. The link is a
// shared master's, behind a proxy the test cuts (a pulled cable): mtr hands its command to the
// master, which never hears back and gives up after dead_link_timeout.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { startCutProxy, trustProxy } from '../support/cut-proxy.js';
import { eventually } from '../support/eventually.js';
import { makeProject, type Project, type RunResult } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

const TIMEOUT_S = 3;

const masterAlive = (socket: string) =>
  spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket}`, '-O', 'check', 'x'], { stdio: 'ignore' }).status === 0;

/** One `mtr:` message (and at most a fix line), exit 255, nothing on stdout, no stack. */
function expectLostConnection(result: RunResult, message: RegExp): void {
  expect({ code: result.code, stdout: result.stdout, timedOut: result.timedOut }).toEqual({ code: 255, stdout: '', timedOut: false });
  const ours = result.stderr.split('\n').filter((line) => /^(mtr:|  fix:)/.test(line));
  expect(ours[0]).toMatch(message);
  expect(ours.length).toBeLessThanOrEqual(2);
  expect(result.stderr).not.toMatch(/internal error|This is a bug|^\s+at /m);
}

describeE2E('job commands over a link that dies', (sshd) => {
  // A project behind a cut-able proxy, with a live shared master on it; then the cable is pulled.
  async function cutSharedLink(context: TestContext): Promise<Project> {
    const proxy = await startCutProxy({ host: sshd.host, port: sshd.port });
    context.onTestFinished(() => proxy.close());
    const project = makeProject({ sshd, servers: { test: { port: proxy.port, dead_link_timeout: TIMEOUT_S } } });
    trustProxy(project.home, sshd, proxy);
    const cold = await project.run(['--no-sync', '--log-file', 'cold.log', 'true']);
    expect(cold.code, cold.stderr).toBe(0);
    const socket = /starting a shared connection in the background: (\S+)/.exec(fs.readFileSync(path.join(project.root, 'cold.log'), 'utf8'))?.[1];
    expect(socket).toBeDefined();
    await eventually('the shared master', () => masterAlive(socket!), 30_000);
    proxy.cut();
    return project;
  }

  const runWarm = async (project: Project, args: string[]) => {
    const result = await project.run(['--no-sync', '--log-file', 'warm.log', ...args], { timeoutMs: 25_000 });
    // The command went to the master (a direct connection would be a different test).
    expect(fs.readFileSync(path.join(project.root, 'warm.log'), 'utf8')).toContain('reusing the shared connection');
    return result;
  };

  describe.concurrent('each test on its own cut-able link', () => {
    it.for(['--jobs', '--jobs --json'])('%s: 255 "the connection dropped while listing the jobs", not an empty list', async (args, context) => {
      const project = await cutSharedLink(context);
      expectLostConnection(await runWarm(project, args.split(' ')), /^mtr: the connection dropped while listing the jobs$/);
    });

    it('-d: 255 "the connection dropped while starting job NAME" with how to check, not a usage error', async (context) => {
      const project = await cutSharedLink(context);
      const name = `cut-start-${randomInt(1e9)}`;
      const result = await runWarm(project, ['-d', '--name', name, 'true']);
      expectLostConnection(result, new RegExp(`^mtr: the connection dropped while starting job ${name}$`));
      expect(result.stderr).toContain('fix: see whether it started with `mtr --jobs`');
    });
  });
});
