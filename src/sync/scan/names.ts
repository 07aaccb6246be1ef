// File names that are not UTF-8, shown to people: pure.
import { isUtf8 } from 'node:buffer';
import type { LocalEntry } from '../types.js';

/** Bytes of one UTF-8 sequence by its lead byte (0 = not a lead byte). */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * A path's bytes as readable text: valid UTF-8 as it is, every other byte (and control characters)
 * as `\xNN`, a backslash as `\\` — so two different names never look alike.
 */
export function escapeName(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const byte = bytes[i] as number;
    const length = sequenceLength(byte);
    const piece = bytes.subarray(i, i + Math.max(length, 1));
    if (byte === 0x5c) out += '\\\\';
    else if (byte < 0x20 || byte === 0x7f || length === 0 || piece.length < length || !isUtf8(piece)) {
      out += `\\x${byte.toString(16).padStart(2, '0')}`;
      i++;
      continue;
    } else out += piece.toString('utf8');
    i += piece.length;
  }
  return out;
}

/** A tree path for people: as it is, or escaped when its bytes are not UTF-8. */
export function displayPath(entry: Pick<LocalEntry, 'path' | 'raw'>): string {
  return entry.raw ? escapeName(entry.raw) : entry.path;
}

const SHOWN = 5;

interface NotUtf8 {
  /** Regular files and symlinks among them. */
  files: number;
  /** Top-most names, escaped (a folder, ending in `/`, stands for everything in it). */
  names: string[];
}

// Entries whose path or link target is not UTF-8, as counted and shown by both messages below.
function collectNotUtf8(entries: readonly LocalEntry[]): NotUtf8 {
  const dirs: string[] = [];
  const found: NotUtf8 = { files: 0, names: [] };
  for (const entry of entries) {
    if (!entry.raw && !entry.targetNotUtf8) continue;
    if (entry.type !== 'dir') found.files++;
    const inside = dirs.some((d) => entry.path.startsWith(`${d}/`));
    if (entry.type === 'dir') dirs.push(entry.path);
    if (inside) continue;
    const name = displayPath(entry);
    found.names.push(entry.type === 'dir' ? `${name}/` : entry.raw ? name : `${name} (its link target)`);
  }
  return found;
}

function formatList(names: readonly string[]): string {
  return names.slice(0, SHOWN).join(', ') + (names.length > SHOWN ? `, … (${names.length - SHOWN} more)` : '');
}

const files = (n: number) => (n === 1 ? '1 file' : `${n} files`);

/** The one warning for what SFTP could not send (plan/changes.ts `unsendable`); undefined for none. */
export function describeUnsendable(entries: readonly LocalEntry[]): string | undefined {
  const found = collectNotUtf8(entries);
  if (found.names.length === 0) return undefined;
  return (
    `SFTP did not send ${files(found.files)} whose names are not valid UTF-8 (SFTP carries names as UTF-8 text): ` +
    `${formatList(found.names)}; rename them, or use sync: rsync, which sends them as they are`
  );
}

/** The dry-run line for names that are not UTF-8 in the tree; undefined for none. */
export function describeNotUtf8(entries: readonly LocalEntry[]): string | undefined {
  const found = collectNotUtf8(entries);
  if (found.names.length === 0) return undefined;
  return `${files(found.files)} with names that are not valid UTF-8 (rsync sends them as they are; SFTP cannot and skips them): ${formatList(found.names)}`;
}
