import { UsageError } from '../errors.js';
import { formatExcerpt } from '../util/excerpt.js';

// Key names `mtr --keys` accepts, as tmux's send-keys spells them. Anything else is refused before
// it reaches the server: a mistyped name must never be typed into a job as text.

/** mtr's names for the keys without a modifier, and tmux's spelling of each. */
const NAMED: Record<string, string> = {
  Enter: 'Enter',
  Escape: 'Escape',
  Esc: 'Escape',
  Tab: 'Tab',
  BTab: 'BTab',
  BSpace: 'BSpace',
  Backspace: 'BSpace',
  Space: 'Space',
  Up: 'Up',
  Down: 'Down',
  Left: 'Left',
  Right: 'Right',
  Home: 'Home',
  End: 'End',
  PageUp: 'PPage',
  PPage: 'PPage',
  PageDown: 'NPage',
  NPage: 'NPage',
  Insert: 'IC',
  IC: 'IC',
  Delete: 'DC',
  DC: 'DC',
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`F${i + 1}`, `F${i + 1}`])),
};

// C-x and M-x take one character; C-@, C-[, C-\, C-], C-^, C-_ and C-? are the other control keys.
const CONTROL_CHAR = /^[A-Za-z0-9@[\\\]^_?]$/;
const META_CHAR = /^[\x21-\x7e]$/;

/** tmux's spelling of one key name, or undefined when it is not a key mtr sends. */
export function tmuxKeyName(key: string): string | undefined {
  const named = NAMED[key];
  if (named) return named;
  const modified = /^((?:[CMS]-)+)(.+)$/.exec(key);
  if (!modified) return undefined;
  const modifiers = modified[1] as string;
  const base = modified[2] as string;
  if (new Set(modifiers.match(/[CMS]/g)).size !== modifiers.length / 2) return undefined;
  const baseName = NAMED[base];
  if (baseName) return `${modifiers}${baseName}`;
  if (modifiers.includes('S')) return undefined;
  if (modifiers.includes('C') ? CONTROL_CHAR.test(base) : META_CHAR.test(base)) return `${modifiers}${base}`;
  return undefined;
}

export const KEY_EXAMPLES = 'C-c, C-d, C-z, Enter, Escape, Tab, Up, Down, Left, Right, BSpace, PageUp, F1…F12, M-x';

/** tmux's names for the keys, in order; the first unknown one is a usage error (exit 2). */
export function checkKeys(keys: readonly string[]): string[] {
  if (!keys.length) throw new UsageError('--keys needs at least one key name', `e.g. \`mtr --keys NAME C-c\`; keys: ${KEY_EXAMPLES}`);
  return keys.map((key) => {
    const name = tmuxKeyName(key);
    if (!name) throw new UsageError(`unknown key name ${formatExcerpt(key, 40)}`, `keys: ${KEY_EXAMPLES}; to type text use \`mtr --send NAME TEXT\``);
    return name;
  });
}
