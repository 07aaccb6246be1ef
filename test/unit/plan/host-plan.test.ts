import { describe, expect, it } from 'vitest';
import { controlPathFor } from '../../../src/ssh/control.js';
import { planHost, planLog, projectSubdir, sshHostPlan } from '../../../src/plan/host-plan.js';
import { resolveTarget } from '../../../src/ssh/target.js';
import { inputs, server } from './fixtures.js';

describe('planHost: the target, with the shared socket decided once', () => {
  const gpu = server('gpu', { reuseIdle: 90 });
  const plain = resolveTarget(gpu, inputs().ssh);
  const socket = { path: controlPathFor('/run/user/1000/mtr', plain, 'creds'), idleSeconds: 90 };
  it.each([
    ['reuse on: the socket in the private folder', true, gpu, '/run/user/1000/mtr', true, socket],
    ['--no-reuse', false, gpu, '/run/user/1000/mtr', false, undefined],
    ["the server's reuse: false", true, { ...gpu, reuse: false }, '/run/user/1000/mtr', false, undefined],
    ['no private folder: nothing to share through', true, gpu, undefined, true, undefined],
  ])('%s', (_name, reuse, srv, controlDir, expectedReuse, control) => {
    const host = planHost({ server: srv, chosenBy: 'flag' }, inputs({ controlDir }), { reuse });
    expect(host.reuse).toBe(expectedReuse);
    expect(host.target.control).toEqual(control);
    expect(host.chosenBy).toBe('flag');
    expect(host.target).toMatchObject({ host: 'gpu.example.com', user: 'me', port: 22 });
  });

  it("the socket's name follows the credentials", () => {
    const a = planHost({ server: gpu, chosenBy: 'first' }, inputs({ credentialsOf: () => 'key-a' }), { reuse: true });
    const b = planHost({ server: gpu, chosenBy: 'first' }, inputs({ credentialsOf: () => 'key-b' }), { reuse: true });
    expect(a.target.control?.path).not.toBe(b.target.control?.path);
  });
});

describe('sshHostPlan: what openHost is handed comes from the plan', () => {
  it.each([
    ['reuse on', true, '/run/user/1000/mtr'],
    ['--no-reuse', false, '/run/user/1000/mtr'],
    ['no private folder', true, undefined],
  ])('%s', (_name, reuse, controlDir) => {
    const host = planHost({ server: server('gpu'), chosenBy: 'flag' }, inputs({ controlDir }), { reuse });
    const opened = sshHostPlan(host);
    expect(opened).toEqual({ kind: 'ssh', server: 'gpu', target: host.target, reuse: host.reuse });
    expect(opened.target.control).toBe(host.target.control);
  });
});

describe('planLog', () => {
  it.each([
    [{ enableLog: false }, {}],
    [{ enableLog: true }, { file: '/home/me/proj/.mtr/logs/mtr-2026-01-02T030405-4242.log' }],
    [{ enableLog: false, logFile: 'out/debug.log' }, { file: '/home/me/proj/sub/out/debug.log' }],
    [{ enableLog: true, logFile: '/tmp/x.log' }, { file: '/tmp/x.log' }],
  ])('%j → %j', (options, expected) => {
    expect(planLog(options, '/home/me/proj', inputs({ cwd: '/home/me/proj/sub' }))).toEqual(expected);
  });
});

describe('projectSubdir', () => {
  it.each([
    ['/p', '/p', ''],
    ['/p', '/p/a/b', 'a/b'],
  ])('%s + %s → %j', (root, cwd, expected) => expect(projectSubdir(root, cwd)).toBe(expected));
});
