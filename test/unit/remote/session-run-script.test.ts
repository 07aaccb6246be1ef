import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildStreamScript } from '../../../src/remote/job-stream-script.js';
import { SESSION_COMMANDS_KEPT, buildSessionPruneLine, buildSessionRunScript } from '../../../src/remote/session-run-script.js';
import { buildSessionSubmit } from '../../../src/remote/session-script.js';

const spec = { name: 'work', project: '~/p', script: 'cd "$HOME"/p', metaJson: '{}', wrapper: { interactive: true, gate: false, session: true, stdinFifo: false } };

// One exec per session command: start the shell only when tmux has no such session, submit, stream.
describe('buildSessionRunScript', () => {
  it.each([
    ['stdin is data', true],
    ['no stdin', false],
  ])('%s: the parts in order, each once', (_name, fifo) => {
    const script = buildSessionRunScript(spec, 'ab12', "echo 'hi'", fifo);
    const starts = script.indexOf('has-session -t =work 2>/dev/null; then');
    const submit = script.indexOf(buildSessionSubmit('work', 'ab12', "echo 'hi'", fifo));
    const stream = script.indexOf(buildStreamScript('work', { sessionCommand: 'ab12', feedStdin: fifo, exitWithJob: true }));
    expect(starts).toBeGreaterThan(0);
    expect(submit).toBeGreaterThan(starts);
    expect(stream).toBeGreaterThan(submit);
    expect(script).toContain('--session needs it');
  });
});

describe('buildSessionPruneLine', () => {
  it(`keeps the newest ${SESSION_COMMANDS_KEPT} command folders and any still running`, () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-prune-'));
    try {
      const c = path.join(home, '.mtr', 'jobs', 'work', 'c');
      const total = SESSION_COMMANDS_KEPT + 5;
      for (let i = 0; i < total; i++) {
        const dir = path.join(c, `id${String(i).padStart(3, '0')}`);
        fs.mkdirSync(dir, { recursive: true });
        if (i !== 1) fs.writeFileSync(path.join(dir, 'rc'), '0\n');
        const when = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
        fs.utimesSync(dir, when, when);
      }
      execFileSync('sh', ['-c', buildSessionPruneLine('work')], { env: { ...process.env, HOME: home } });
      const left = fs.readdirSync(c).sort();
      expect(left).toHaveLength(SESSION_COMMANDS_KEPT + 1);
      expect(left).toContain('id001');
      expect(left).not.toContain('id000');
      expect(left.at(-1)).toBe(`id${String(total - 1).padStart(3, '0')}`);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
