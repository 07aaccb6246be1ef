// Reads rsync's progress lines as they stream in (split on \r and \n):
//   --info=progress2 --no-h  `   6000000 100%   74.06MB/s    0:00:00 (xfr#300, to-chk=0/301)` (whole run)
//   --progress (legacy)      `  65,536 100%  12.34MB/s  0:00:00 (xfer#1, to-check=2/4)` (per file)
// File names and other chatter on stdout are ignored.
import type { SyncProgress } from '../types.js';

export interface ProgressLine {
  /** progress2: bytes so far in the whole run; legacy: bytes so far of the current file. */
  bytes: number;
  percent: number;
  /** Files transferred so far (`xfr#`/`xfer#`), present on a file's last line. */
  transferred?: number;
  /** Entries still to check and the list size (`to-chk`), or the size so far (`ir-chk`). */
  toCheck?: { remaining: number; total: number; final: boolean };
}

export interface RsyncProgressUpdate extends SyncProgress {
  percent: number;
}

export interface RsyncSummary {
  filesSent: number;
  bytesSent: number;
}

export interface ProgressParser {
  /** Feed decoded stdout; returns the updates completed lines produced. */
  push(chunk: string): RsyncProgressUpdate[];
  /** Flush a last unterminated line. */
  end(): RsyncProgressUpdate[];
  summary(): RsyncSummary;
}

const LINE =
  /^\s*([\d][\d,.']*)\s+(\d{1,3})%\s+\S+\s+\d+:\d{2}(?::\d{2})?(?:\s+\((?:xfr|xfer)#(\d+),\s*(to-chk|to-check|ir-chk)=(\d+)\/(\d+)\))?/;

export function parseProgressLine(line: string): ProgressLine | undefined {
  const match = LINE.exec(line);
  if (!match) return undefined;
  const parsed: ProgressLine = { bytes: Number((match[1] as string).replace(/\D/g, '')), percent: Number(match[2]) };
  if (match[3] !== undefined) {
    parsed.transferred = Number(match[3]);
    parsed.toCheck = { remaining: Number(match[5]), total: Number(match[6]), final: match[4] !== 'ir-chk' };
  }
  return parsed;
}

// `--out-format=%i` (or `%i %n`) prints one itemize code per changed item, then its name when
// asked. `<f` (upload) or `>f` (download) = a regular file was transferred; links and dirs have
// other codes.
const ITEMIZE = /^([<>ch.*][fdLDS][.+?a-zA-Z]{9,10})(?: (.*))?$/s;

/**
 * A name as rsync prints it, as the file system's bytes: rsync writes a byte it will not print
 * (controls, and in some locales anything above 0x7f) as `\#ooo`, and a backslash that would
 * read as such an escape as `\#134`; the rest arrives as UTF-8.
 */
export function unescapeRsyncName(text: string): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(/\\#([0-7]{3})/g)) {
    parts.push(Buffer.from(text.slice(last, match.index), 'utf8'), Buffer.from([Number.parseInt(match[1] as string, 8) & 0xff]));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

export interface ProgressParserOptions {
  /** Each regular file transferred, by name (its bytes), when `%n` is in the out-format. */
  onSentFile?: (name: Buffer) => void;
}

// progress2 lines carry run totals; legacy lines restart at 0 for each file, so completed files are summed.
export function createProgressParser(mode: 'info2' | 'legacy', options: ProgressParserOptions = {}): ProgressParser {
  let pending = '';
  let files = 0;
  let doneBytes = 0;
  let currentBytes = 0;
  let totalFiles: number | undefined;
  let itemizedFiles: number | undefined;

  function apply(line: ProgressLine): RsyncProgressUpdate {
    if (line.transferred !== undefined) files = Math.max(files, line.transferred);
    if (line.toCheck?.final) totalFiles = line.toCheck.total;
    if (mode === 'info2') {
      doneBytes = line.bytes;
    } else if (line.transferred !== undefined) {
      doneBytes += line.bytes;
      currentBytes = 0;
    } else {
      currentBytes = line.bytes;
    }
    const update: RsyncProgressUpdate = { files, bytes: doneBytes + currentBytes, percent: line.percent };
    if (totalFiles !== undefined) update.totalFiles = totalFiles;
    return update;
  }

  function take(lines: string[]): RsyncProgressUpdate[] {
    const updates: RsyncProgressUpdate[] = [];
    for (const text of lines) {
      const itemized = ITEMIZE.exec(text);
      if (itemized) {
        const code = itemized[1] as string;
        if (code.startsWith('>f') || code.startsWith('<f')) {
          itemizedFiles = (itemizedFiles ?? 0) + 1;
          if (itemized[2] !== undefined) options.onSentFile?.(unescapeRsyncName(itemized[2]));
        }
        continue;
      }
      const line = parseProgressLine(text);
      if (line) {
        const update = apply(line);
        if (itemizedFiles !== undefined) update.files = itemizedFiles;
        updates.push(update);
      }
    }
    return updates;
  }

  return {
    push(chunk) {
      const parts = (pending + chunk).split(/[\r\n]/);
      pending = parts.pop() ?? '';
      return take(parts);
    },
    end() {
      const rest = pending;
      pending = '';
      return take([rest]);
    },
    summary: () => ({ filesSent: itemizedFiles ?? files, bytesSent: doneBytes }),
  };
}
