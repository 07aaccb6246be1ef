import { describe, expect, it } from 'vitest';
import { buildStreamScript } from '../../../src/remote/job-script.js';
import { buildSessionRunScript } from '../../../src/remote/session-run-script.js';
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
