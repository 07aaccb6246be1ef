import { jobDir } from './job-paths.js';

// Reading a slice of a job's output log (~/.mtr/jobs/NAME/out or err) for a client that polls it:
// the file's size on the first line (the offset of everything logged so far), then the bytes
// asked. Only what was logged up to that size is read, so a job still writing cannot make the
// slice and the size disagree. A log not written yet reads as empty.

export type OutputStream = 'out' | 'err';

export type OutputRead =
  /** Bytes from `offset` on, at most `maxBytes`. */
  | { kind: 'since'; offset: number; maxBytes: number }
  /** The last `lines` lines. */
  | { kind: 'tail'; lines: number }
  /** All of it (bounded by the reader). */
  | { kind: 'all' };

export function buildReadOutputScript(name: string, stream: OutputStream, read: OutputRead): string {
  const lines = [
    `cd ${jobDir(name)} 2>/dev/null || { echo "mtr: no job named ${name}" >&2; exit 2; }`,
    `[ -f ${stream} ] || { echo 0; exit 0; }`,
    `n=$(wc -c < ${stream} | tr -d ' ')`,
    'echo "$n"',
  ];
  switch (read.kind) {
    case 'since':
      lines.push(
        `o=${read.offset}`,
        '[ "$n" -gt "$o" ] || exit 0',
        `k=$((n - o)); [ "$k" -gt ${read.maxBytes} ] && k=${read.maxBytes}`,
        `tail -c +$((o + 1)) ${stream} | head -c "$k"`,
      );
      break;
    case 'tail':
      lines.push(`head -c "$n" ${stream} | tail -n ${read.lines}`);
      break;
    case 'all':
      lines.push(`head -c "$n" ${stream}`);
      break;
  }
  return lines.join('\n');
}

/** The size line and the bytes after it, as the script prints them; undefined when malformed. */
export function parseReadOutput(stdout: Buffer): { size: number; bytes: Buffer } | undefined {
  const newline = stdout.indexOf(0x0a);
  if (newline < 0) return undefined;
  const size = stdout.subarray(0, newline).toString('utf8').trim();
  if (!/^[0-9]+$/.test(size)) return undefined;
  return { size: Number(size), bytes: stdout.subarray(newline + 1) };
}
