import { describe, expect, it } from 'vitest';
import { normalizeScreen, parseScreenReply, stripAnsi } from '../../../src/jobs/screen-text.js';

describe('normalizeScreen', () => {
  it('drops trailing spaces and blank lines', () => {
    expect(normalizeScreen('>>> 1+1   \n2      \n>>>   \n     \n\n\n', false)).toBe('>>> 1+1\n2\n>>>\n');
  });
  it('keeps blank lines between text', () => expect(normalizeScreen('a\n\n\nb\n', false)).toBe('a\n\n\nb\n'));
  it('an empty screen is empty', () => expect(normalizeScreen('   \n\n', false)).toBe(''));
  it('strips colours unless asked for them', () => {
    const coloured = '\x1b[31mred\x1b[0m   \n\x1b[0m   \n';
    expect(normalizeScreen(coloured, false)).toBe('red\n');
    expect(normalizeScreen(coloured, true)).toBe('\x1b[31mred\x1b[0m\n');
  });
  it('strips OSC titles and cursor moves', () => expect(stripAnsi('\x1b]0;title\x07a\x1b[2Kb\x1b[?25h')).toBe('ab'));
});

describe('parseScreenReply', () => {
  it('reads the kind and state line', () => {
    expect(parseScreenReply('tty running\n>>> \n\n', false)).toEqual({ terminal: 'tty', state: 'running', text: '>>>\n' });
    expect(parseScreenReply('batch ended\n', false)).toEqual({ terminal: 'batch', state: 'ended', text: '' });
  });
  it('refuses anything else', () => expect(parseScreenReply('mtr: what\n', false)).toBeUndefined());
});
