import { randomBytes } from 'node:crypto';
import fs from 'node:fs';

// A file written whole or not at all: an exclusive temp file beside it (no two writers ever share
// one), then a rename over the file. For the caches and records mtr keeps for itself (0600).

/** The temp file name writeFileWhole uses for `file`: `<file>.<12 hex>.tmp`. */
export const WHOLE_TEMP_SUFFIX = /\.[0-9a-f]{12}\.tmp$/;

/** False when it could not be written (nothing is left behind then); never throws. */
export function writeFileWhole(file: string, data: () => string | Buffer): boolean {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(temp, data(), { mode: 0o600, flag: 'wx' });
    fs.renameSync(temp, file);
    return true;
  } catch {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // Nothing was written, or nothing can be removed: either way no file.
    }
    return false;
  }
}
