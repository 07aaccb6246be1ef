import { ConfigError } from '../errors.js';

// A config is a small UTF-8 text file. Anything else (a binary, a UTF-16 export, a log renamed by
// mistake) is named as such with where it goes wrong, instead of a YAML parser quoting its bytes.

/** Larger than any config anyone writes by hand; bigger files are not read at all. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export type TextProblem =
  | { kind: 'utf16' }
  | { kind: 'control'; byte: number; line: number; col: number }
  | { kind: 'not-utf8'; line: number; col: number };

/** Line and column (1-based, counted in bytes) of `offset`. */
function positionOf(buf: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (buf[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

// YAML allows tab, LF and CR among the C0 controls; DEL and the rest mark a file that is not text.
function isControl(byte: number): boolean {
  return (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f;
}

/** Why `buf` is not UTF-8 text a config can be made of; undefined when it is. */
export function findTextProblem(buf: Uint8Array): TextProblem | undefined {
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) return { kind: 'utf16' };
  const control = buf.findIndex(isControl);
  if (control !== -1) return { kind: 'control', byte: buf[control] as number, ...positionOf(buf, control) };
  const invalid = findInvalidUtf8(buf);
  return invalid === -1 ? undefined : { kind: 'not-utf8', ...positionOf(buf, invalid) };
}

// Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or -1.
export function findInvalidUtf8(buf: Uint8Array): number {
  const inRange = (i: number, low: number, high: number) => i < buf.length && (buf[i] as number) >= low && (buf[i] as number) <= high;
  for (let i = 0; i < buf.length; ) {
    const b = buf[i] as number;
    let length = 0;
    let secondLow = 0x80;
    let secondHigh = 0xbf;
    if (b < 0x80) length = 1;
    else if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) secondLow = 0xa0;
      if (b === 0xed) secondHigh = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) secondLow = 0x90;
      if (b === 0xf4) secondHigh = 0x8f;
    } else return i;
    if (length > 1 && !inRange(i + 1, secondLow, secondHigh)) return i;
    for (let k = 2; k < length; k++) if (!inRange(i + k, 0x80, 0xbf)) return i;
    i += length;
  }
  return -1;
}

export function describeTextProblem(problem: TextProblem): string {
  if (problem.kind === 'utf16') return 'is UTF-16 text, not UTF-8';
  const at = `line ${problem.line}, column ${problem.col}`;
  if (problem.kind === 'control') return `is not a text file (control byte 0x${problem.byte.toString(16).padStart(2, '0')} at ${at})`;
  return `is not UTF-8 text (invalid byte at ${at})`;
}

/** The file's text, or a ConfigError naming `file` and what is wrong with its bytes. */
export function decodeConfigText(buf: Buffer, file: string, fix: string): string {
  const problem = findTextProblem(buf);
  if (problem) throw new ConfigError([`${file} ${describeTextProblem(problem)}`], problem.kind === 'utf16' ? `save it as UTF-8; ${fix}` : fix);
  return buf.toString('utf8');
}
