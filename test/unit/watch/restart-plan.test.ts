import { describe, expect, it } from 'vitest';
import { buildStopScript, planFinish, runJobName, shouldRestart } from '../../../src/watch/restart-plan.js';

describe('runJobName', () => {
  it.each([
    ['proj-3fa9c1', 1, 'proj-3fa9c1-1'],
    ['train', 12, 'train-12'],
    ['x'.repeat(64), 3, `${'x'.repeat(62)}-3`],
    ['x'.repeat(64), 100, `${'x'.repeat(60)}-100`],
  ])('%s run %i → %s', (base, run, name) => {
    expect(runJobName(base, run)).toBe(name);
    expect(runJobName(base, run).length).toBeLessThanOrEqual(64);
  });
});

describe('shouldRestart', () => {
  it.each([
    [{ cause: 'change', changed: 3, running: true }, true],
    [{ cause: 'change', changed: 3, running: false }, true],
    [{ cause: 'change', changed: 0, running: true }, false],
    [{ cause: 'reconnect', changed: 0, running: true }, true],
    [{ cause: 'reconnect', changed: 0, running: false }, false],
    [{ cause: 'reconnect', changed: 2, running: false }, true],
  ] as const)('%j → %s', (input, expected) => {
    expect(shouldRestart(input)).toBe(expected);
  });
});

describe('planFinish', () => {
  it.each([
    [{ running: true, connected: true }, 'stop'],
    [{ running: true, connected: false }, 'leave'],
    [{ running: false, connected: true }, 'none'],
    [{ running: false, connected: false }, 'none'],
  ] as const)('%j → %s', (input, expected) => {
    expect(planFinish(input)).toBe(expected);
  });
});

describe('buildStopScript', () => {
  it('enters the job dir, waits for pid, then INT → TERM → KILL the group, and records 137 when killed', () => {
    const script = buildStopScript('app-2', 1);
    expect(script.split('\n')[0]).toBe('cd "$HOME"/.mtr/jobs/app-2 2>/dev/null || { echo ended; exit 0; }');
    expect(script).toContain('kill -INT -"$p"');
    expect(script).toContain('kill -TERM -"$p"');
    expect(script).toContain('kill -KILL -"$p"');
    // A 1 s grace period, polled every 0.1 s.
    expect(script).toContain('while [ $i -lt 10 ] && alive');
    expect(script).toContain('tmux -L mtr kill-session -t =app-2');
  });

  it('without a kill_grace waits STOP_GRACE_SECONDS (2 s) per step, shorter than --kill', () => {
    expect(buildStopScript('app-2', undefined)).toContain('while [ $i -lt 20 ] && alive');
  });
});
