import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { tempBaseName } from '../temp-name.js';

// The names the SFTP uploader writes before renaming into place, and how a later sync recognises
// the ones an interrupted upload left behind (pure: no sockets, no files).

/**
 * Temp-name suffixes: a random run prefix and a counter (hex). Unique within a run by the counter,
 * across runs by the prefix; the exclusive create ('wx') refuses a clash rather than overwrite.
 */
export function tempSuffixes(prefix = randomBytes(4).toString('hex')): () => string {
  let n = 0;
  return () => `${prefix}${(n++).toString(16)}`;
}

/** `.<name>.mtr-tmp-<hex>` beside the target; a bare `.mtr-tmp-<hex>` when the name is too long. */
export function tempNameFor(target: string, random: string): string {
  return path.posix.join(path.posix.dirname(target), tempBaseName(path.posix.basename(target), random));
}

/** A find(1) -name pattern that catches every upload temp name (and a few others: check isUploadTemp). */
export const UPLOAD_TEMP_GLOB = '.*mtr-tmp-*';

// Exactly what tempNameFor makes with tempSuffixes (8 hex of prefix, then the counter).
const UPLOAD_TEMP = /^\.(?:[^/]+\.)?mtr-tmp-[0-9a-f]{9,}$/;

/** True for a base name an upload writes under before the rename. */
export function isUploadTemp(baseName: string): boolean {
  return UPLOAD_TEMP.test(baseName);
}
