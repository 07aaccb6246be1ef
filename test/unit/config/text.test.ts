import { describe, expect, it } from 'vitest';
import { decodeConfigText, describeTextProblem, findInvalidUtf8, findTextProblem } from '../../../src/config/text.js';
import { ConfigError } from '../../../src/errors.js';

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('findTextProblem', () => {
  it.each([
    ['plain YAML', bytes('servers:\n  gpu: {host: g}\n')],
    ['tabs, CRLF, UTF-8 and a BOM', bytes([0xef, 0xbb, 0xbf], 'a:\t"ü 😀"\r\n')],
    ['empty', bytes('')],
  ])('%s: none', (_name, buf) => expect(findTextProblem(buf)).toBeUndefined());

  it.each([
    ['a NUL', bytes('servers:\n  ab', [0x00], 'c\n'), { kind: 'control', byte: 0, line: 2, col: 5 }],
    ['an escape byte', bytes([0x1b], '[2J'), { kind: 'control', byte: 0x1b, line: 1, col: 1 }],
    ['DEL', bytes('a: b', [0x7f]), { kind: 'control', byte: 0x7f, line: 1, col: 5 }],
    ['a lone continuation byte', bytes('a:\nb: ', [0x80]), { kind: 'not-utf8', line: 2, col: 4 }],
    ['Latin-1 text', bytes('name: caf', [0xe9], '\n'), { kind: 'not-utf8', line: 1, col: 10 }],
    ['a cut-off sequence at the end', bytes('x', [0xe2, 0x82]), { kind: 'not-utf8', line: 1, col: 2 }],
    ['UTF-16 with BOM', bytes([0xff, 0xfe], 's'), { kind: 'utf16' }],
  ])('%s', (_name, buf, expected) => expect(findTextProblem(buf)).toEqual(expected));
});

describe('findInvalidUtf8', () => {
  it.each([
    [[0x61, 0xc3, 0xbc], -1],
    [[0xf0, 0x9f, 0x98, 0x80], -1],
    [[0xc0, 0xaf], 0], // overlong "/"
    [[0xe0, 0x80, 0xaf], 0], // overlong
    [[0xed, 0xa0, 0x80], 0], // a surrogate
    [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
    [[0x61, 0xff], 1],
  ])('%j → %i', (input, expected) => expect(findInvalidUtf8(Uint8Array.from(input))).toBe(expected));

  it('agrees with the platform decoder on 500 mangled UTF-8 strings', () => {
    let seed = 42;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const decodes = (buf: Uint8Array) => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(buf);
        return true;
      } catch {
        return false;
      }
    };
    for (let round = 0; round < 500; round++) {
      const text = Array.from({ length: 6 }, () => String.fromCodePoint([0x41, 0xe9, 0x20ac, 0x1f600, 0xd7ff, 0xffff, 0x10ffff][next(7)] as number)).join('');
      const buf = Buffer.from(text, 'utf8');
      if (next(3) > 0) buf[next(buf.length)] = next(256);
      const cut = next(4) === 0 ? buf.subarray(0, next(buf.length + 1)) : buf;
      expect(findInvalidUtf8(cut) === -1, cut.toString('hex')).toBe(decodes(cut));
    }
  });
});

describe('decodeConfigText', () => {
  it('returns the text of a text file', () => {
    expect(decodeConfigText(bytes('a: 1\n'), 'c.yaml', 'fix it')).toBe('a: 1\n');
  });

  it('names a binary file by position only: no byte of it in the message', () => {
    const garbage = Buffer.concat([Buffer.from('servers:\n'), Buffer.alloc(1_000_000, 0x1b)]);
    const error = (() => {
      try {
        decodeConfigText(garbage, '.mtr/config.yaml', 'write YAML');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('.mtr/config.yaml is not a text file (control byte 0x1b at line 2, column 1)');
    expect((error as ConfigError).hint).toBe('write YAML');
    expect((error as ConfigError).exitCode).toBe(2);
  });

  it('says how to fix a UTF-16 file', () => {
    expect(() => decodeConfigText(bytes([0xff, 0xfe, 0x61, 0x00]), 'c.yaml', 'x')).toThrow(/c\.yaml is UTF-16 text, not UTF-8/);
    expect(describeTextProblem({ kind: 'not-utf8', line: 3, col: 9 })).toBe('is not UTF-8 text (invalid byte at line 3, column 9)');
  });
});
