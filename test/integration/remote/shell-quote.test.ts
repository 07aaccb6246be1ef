import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellJoin, shellQuote } from '../../../src/remote/shell-quote.js';

// Each value must come back unchanged after a real POSIX shell parses the quoted form.
const hostile = [
  '',
  'plain',
  'a b',
  "it's",
  '"double"',
  '$HOME',
  '$(id)',
  '`id`',
  'a;b',
  'x && rm -rf /',
  'line1\nline2',
  'tab\there',
  '*.py',
  '~',
  '\\backslash\\',
  "''",
  'ünïcødé 中文 🚀',
  '-n',
  '!bang',
  '#comment',
];

describe('shellQuote, parsed by real shells', () => {
  it.each(hostile)('round-trips %j through /bin/sh', (value) => {
    const out = execFileSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(value)}`]);
    expect(out.toString('utf8')).toBe(value);
  });

  it('shellJoin keeps every word separate through bash', () => {
    const out = execFileSync('bash', ['-c', `printf '<%s>' ${shellJoin(hostile)}`]);
    expect(out.toString('utf8')).toBe(hostile.map((v) => `<${v}>`).join(''));
  });
});
