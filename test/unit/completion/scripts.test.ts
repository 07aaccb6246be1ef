import { describe, expect, it } from 'vitest';
import { buildCompletionScript, valueKindOf, type FlagSpec } from '../../../src/completion/scripts.js';

const flag = (long: string, takesValue: boolean, short?: string): FlagSpec => ({ long, takesValue, description: `about ${long}`, ...(short ? { short } : {}) });

describe('valueKindOf', () => {
  it.each([
    [flag('--server', true, '-s'), 'servers'],
    [flag('--logs', true), 'jobs'],
    [flag('--kill', true), 'jobs'],
    [flag('--to', true), 'files'],
    [flag('--completion', true), 'shells'],
    [flag('--name', true), 'none'],
    [flag('--all', false), 'none'],
  ])('%o → %s', (spec, kind) => expect(valueKindOf(spec)).toBe(kind));
});

describe('buildCompletionScript', () => {
  const flags = [flag('--server', true, '-s'), flag('--dry-run', false), flag("--it's", false)];

  it('bash: every flag is offered and valued flags skip their value', () => {
    const script = buildCompletionScript('bash', flags);
    expect(script).toContain(`compgen -W "-s --server --dry-run --it's"`);
    expect(script).toMatch(/^ {6}-s\|--server\) i=\$\(\(i \+ 2\)\) ;;$/m);
    expect(script.trimEnd().endsWith('complete -o default -F _mtr mtr')).toBe(true);
  });

  it('zsh: the bash function through bashcompinit', () => {
    const script = buildCompletionScript('zsh', flags);
    expect(script).toContain('bashcompinit');
    expect(script).toContain('_mtr() {');
  });

  it('fish: one line per flag, descriptions quoted for fish', () => {
    const script = buildCompletionScript('fish', flags);
    expect(script).toContain(`complete -c mtr -n 'not __fish_mtr_in_command' -s s -l server -x -a '(mtr --complete servers 2>/dev/null)' -d 'about --server'`);
    expect(script).toContain(`-l it's -d 'about --it\\'s'`);
  });
});
