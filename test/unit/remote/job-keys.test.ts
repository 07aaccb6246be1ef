import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { checkKeys, tmuxKeyName } from '../../../src/remote/job-keys.js';

describe('tmuxKeyName', () => {
  it.each([
    ['C-c', 'C-c'],
    ['C-d', 'C-d'],
    ['C-z', 'C-z'],
    ['Enter', 'Enter'],
    ['Escape', 'Escape'],
    ['Esc', 'Escape'],
    ['Tab', 'Tab'],
    ['BSpace', 'BSpace'],
    ['Backspace', 'BSpace'],
    ['Up', 'Up'],
    ['Down', 'Down'],
    ['Left', 'Left'],
    ['Right', 'Right'],
    ['PageUp', 'PPage'],
    ['PageDown', 'NPage'],
    ['Delete', 'DC'],
    ['F1', 'F1'],
    ['F12', 'F12'],
    ['M-x', 'M-x'],
    ['C-M-x', 'C-M-x'],
    ['S-Up', 'S-Up'],
    ['C-Left', 'C-Left'],
    ['C-[', 'C-['],
  ])('%s → %s', (key, tmux) => expect(tmuxKeyName(key)).toBe(tmux));

  it.each(['', 'hello', 'enter', 'F13', 'F0', 'C-', 'C-cc', 'C-C-c', 'S-a', 'M-', 'C-é', '-c', 'C-c;rm', ' Enter'])('refuses %j', (key) => {
    expect(tmuxKeyName(key)).toBeUndefined();
  });
});

describe('checkKeys', () => {
  it('keeps the order', () => expect(checkKeys(['C-c', 'Up', 'Enter'])).toEqual(['C-c', 'Up', 'Enter']));
  it('refuses an unknown name with the list of keys', () => {
    expect(() => checkKeys(['C-c', 'ls'])).toThrow(UsageError);
    expect(() => checkKeys(['ls'])).toThrow(/unknown key name "ls"/);
  });
  it('refuses no keys', () => expect(() => checkKeys([])).toThrow(/at least one key/));
});
