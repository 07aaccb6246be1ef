import { SyncError } from '../../errors.js';

// Names a server lists are joined into local paths: one that is not a single plain path component
// could lead outside the download's target. A real file system never holds such a name, so a
// listing with one is refused whole.

/** Why `name` cannot be one entry of a directory listing, or undefined when it can. */
export function unsafeNameReason(name: string): string | undefined {
  if (name === '') return 'an empty name';
  if (name === '.' || name === '..') return 'a name that means a directory itself';
  if (name.includes('/')) return 'a name with a slash';
  if (name.includes('\0')) return 'a name with a NUL byte';
  return undefined;
}

/** A listing no honest server sends; `who` names the server (`server gpu (me@host:22)`). */
export class UnsafeListingError extends SyncError {
  constructor(who: string, problem: string, dir: string) {
    super(`${who} listed ${problem} in ${dir}`, 'nothing was written; a real server never lists such a name: do not trust this one');
  }
}

/** Throws UnsafeListingError for the first unsafe or repeated name of one directory's listing. */
export function checkListing(names: readonly string[], dir: string, who = 'the server'): void {
  const seen = new Set<string>();
  for (const name of names) {
    const reason = unsafeNameReason(name);
    if (reason) throw new UnsafeListingError(who, `an unsafe file name ${JSON.stringify(name)} (${reason})`, dir);
    if (seen.has(name)) throw new UnsafeListingError(who, `the name ${JSON.stringify(name)} twice`, dir);
    seen.add(name);
  }
}
