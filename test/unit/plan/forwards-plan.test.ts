import { describe, expect, it } from 'vitest';
import { parseForwardSpec, type ForwardSpec } from '../../../src/config/forward-spec.js';
import { buildPlan } from '../../../src/plan/build-plan.js';
import { planForwards } from '../../../src/plan/forwards-plan.js';
import { planRun } from '../../../src/plan/run-plan.js';
import { config, globals, inputs, runOptions, server } from './fixtures.js';

const specs = (...texts: string[]): ForwardSpec[] => texts.map((text) => parseForwardSpec(text) as ForwardSpec);
const ports = (forwards: readonly ForwardSpec[] | undefined) => (forwards ?? []).map((f) => f.text);

describe('planForwards', () => {
  it.each([
    ['none', [], [], []],
    ['flags only', ['8888'], [], ['8888']],
    ['config only', [], ['6006'], ['6006']],
    ['flags first, then config', ['9000:8888'], ['6006', '5432:db:5432'], ['9000:8888', '6006', '5432:db:5432']],
  ])('%s', (_name, flags, configured, expected) => {
    expect(ports(planForwards(specs(...flags), server('gpu', { forwards: specs(...configured) })))).toEqual(expected);
  });

  it.each([
    ['a flag and the config', ['8888'], ['8888:other:80']],
    ['twice in the config', [], ['8888', '8888:other:80']],
  ])('one local port twice (%s) is refused', (_name, flags, configured) => {
    expect(() => planForwards(specs(...flags), server('gpu', { forwards: specs(...configured) }))).toThrow(/local port 8888 is forwarded twice/);
  });
});

describe('forwards in the plans', () => {
  const both = config([server('a', { forwards: specs('6006') }), server('b')]);

  it('a run on one server holds the flags and its forward:', () => {
    expect(ports(planRun(runOptions({ server: 'a', forwards: specs('8888') }), both, inputs()).hosts[0]?.forwards)).toEqual(['8888', '6006']);
  });

  it('-d holds none (nothing would hold them)', () => {
    expect(planRun(runOptions({ server: 'a', detach: true }), both, inputs()).hosts[0]?.forwards).toBeUndefined();
  });

  it('several servers: --forward is refused, forward: is not used', () => {
    expect(() => planRun(runOptions({ server: 'a,b', forwards: specs('8888') }), both, inputs())).toThrow(/--forward needs a single server \(got a, b\)/);
    expect(planRun(runOptions({ server: 'a,b' }), both, inputs()).hosts.map((h) => h.forwards)).toEqual([undefined, undefined]);
  });

  it('mtr --forward alone: one server, its forwards', () => {
    const plan = buildPlan({ kind: 'forward', options: { ...globals, server: 'a', forwards: specs('8888') } }, both, inputs());
    expect(plan.action === 'forward' && ports(plan.forwards)).toEqual(['8888', '6006']);
    expect(() => buildPlan({ kind: 'forward', options: { ...globals, server: 'a,b', forwards: specs('8888') } }, both, inputs())).toThrow(/single server/);
  });

  it('--attach holds them, other job commands do not', () => {
    const attach = buildPlan({ kind: 'job', options: { ...globals, server: 'a', forwards: specs('8888'), action: { kind: 'attach', name: 'x' } } }, both, inputs());
    expect(attach.action === 'job' && ports(attach.forwards)).toEqual(['8888', '6006']);
    const logs = buildPlan({ kind: 'job', options: { ...globals, server: 'a', action: { kind: 'logs', name: 'x', follow: false } } }, both, inputs());
    expect(logs.action === 'job' && logs.forwards).toBeUndefined();
  });
});
