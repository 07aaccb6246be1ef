import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { planKeepalive, serverAliveOptions } from '../../../src/ssh/keepalive.js';
import { watchLink, type Clock } from '../../../src/ssh/link-watch.js';

// OpenSSH gives up after ServerAliveInterval × (ServerAliveCountMax + 1) seconds of silence.
const opensshGivesUpAfter = (timeout: number) => {
  const plan = planKeepalive(timeout);
  return plan.intervalSeconds * (plan.countMax + 1);
};

describe('planKeepalive', () => {
  it.each([
    [30, { intervalSeconds: 5, countMax: 5, checkMs: 2500, silenceMs: 27_500 }],
    [3, { intervalSeconds: 1, countMax: 2, checkMs: 500, silenceMs: 2500 }],
    [2, { intervalSeconds: 1, countMax: 1, checkMs: 500, silenceMs: 1500 }],
    [90, { intervalSeconds: 15, countMax: 5, checkMs: 7500, silenceMs: 82_500 }],
  ])('%s s', (timeout, plan) => expect(planKeepalive(timeout)).toEqual(plan));

  it('defaults to 30 s', () => expect(planKeepalive()).toEqual(planKeepalive(30)));

  it.each([2, 3, 7, 13, 30, 45, 59, 61, 90, 600])('OpenSSH gives up within %s s, and not much sooner', (timeout) => {
    expect(opensshGivesUpAfter(timeout)).toBeLessThanOrEqual(timeout);
    expect(opensshGivesUpAfter(timeout)).toBeGreaterThan(timeout * 0.8);
  });

  it('mtr\'s own watch calls a link dead at most `timeout` after its last answer, and never before 1.5 intervals', () => {
    for (const timeout of [2, 3, 30, 45, 90]) {
      const plan = planKeepalive(timeout);
      expect(plan.silenceMs + plan.checkMs).toBeLessThanOrEqual(timeout * 1000);
      expect(plan.silenceMs).toBeGreaterThanOrEqual(plan.intervalSeconds * 1500);
    }
  });

  it('as ssh options', () => {
    expect(serverAliveOptions()).toEqual(['-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=5']);
    expect(serverAliveOptions(3)).toEqual(['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2']);
  });
});

// A clock the test moves by hand; intervals fire as time passes.
function fakeClock() {
  let now = 0;
  const timers = new Set<{ fn: () => void; ms: number; next: number; unref(): void }>();
  const clock: Clock = {
    now: () => now,
    setInterval: (fn, ms) => {
      const timer = { fn, ms, next: now + ms, unref: () => undefined };
      timers.add(timer);
      return timer;
    },
    clearInterval: (timer) => void timers.delete(timer as never),
  };
  const advance = (ms: number, step = 100) => {
    for (const end = now + ms; now < end; ) {
      now = Math.min(end, now + step);
      for (const timer of [...timers]) {
        while (timers.has(timer) && timer.next <= now) {
          timer.next += timer.ms;
          timer.fn();
        }
      }
    }
  };
  return { clock, advance, jump: (ms: number) => (now += ms), timers };
}

describe('watchLink', () => {
  const plan = { checkMs: 500, silenceMs: 2500 };

  it('calls a silent link dead within the timeout, once, and stops watching', () => {
    const { clock, advance, timers } = fakeClock();
    const source = new PassThrough();
    const dead: number[] = [];
    watchLink(source, plan, (ms) => dead.push(ms), clock);
    advance(2400);
    expect(dead).toEqual([]);
    advance(700);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toBeGreaterThanOrEqual(2500);
    expect(dead[0]).toBeLessThanOrEqual(3000);
    advance(10_000);
    expect(dead).toHaveLength(1);
    expect(timers.size).toBe(0);
    expect(source.listenerCount('data')).toBe(0);
  });

  it('any byte from the server counts: a slow link that keeps moving is never dead', () => {
    const { clock, advance } = fakeClock();
    const source = new PassThrough();
    source.resume();
    const dead: number[] = [];
    watchLink(source, plan, (ms) => dead.push(ms), clock);
    for (let i = 0; i < 50; i++) {
      advance(2000);
      source.write('x');
    }
    expect(dead).toEqual([]);
  });

  it('a late check (this process was not running) is not the server\'s silence', () => {
    const { clock, advance, jump } = fakeClock();
    const dead: number[] = [];
    watchLink(new PassThrough(), plan, (ms) => dead.push(ms), clock);
    advance(400);
    jump(60_000);
    advance(600);
    expect(dead).toEqual([]);
    advance(3000);
    expect(dead).toHaveLength(1);
  });

  it('the stopper ends the watch', () => {
    const { clock, advance, timers } = fakeClock();
    const source = new PassThrough();
    const dead: number[] = [];
    const stop = watchLink(source, plan, (ms) => dead.push(ms), clock);
    stop();
    advance(10_000);
    expect(dead).toEqual([]);
    expect(timers.size).toBe(0);
    expect(source.listenerCount('data')).toBe(0);
  });
});
