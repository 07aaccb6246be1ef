// Text that came from a file, a flag or a server, made safe to show on a terminal: control bytes
// (which can move the cursor, retitle the window or hide what follows) never reach stderr raw, and
// nothing is shown at length.

// C0 and C1 controls, DEL, and the bidi overrides/isolates that can reorder what is displayed.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_EXCEPT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (ch: string): string => {
  const named: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };
  return named[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
};

/** `"abc…"`: quoted, control characters escaped, at most `max` characters of the original. */
export function formatExcerpt(text: string, max = 40): string {
  const chars = Array.from(text);
  const shown = chars.slice(0, max).join('').replace(/["\\]/g, (c) => `\\${c}`).replace(UNSAFE, escapeChar);
  return `"${shown}${chars.length > max ? '…' : ''}"`;
}

/**
 * A message as it may be printed: newlines and tabs kept (messages have several lines), every other
 * control character escaped, each line cut to `maxLine` characters and at most `maxLines` lines.
 */
export function sanitizeMessage(text: string, maxLine = 1000, maxLines = 40): string {
  const lines = text.replace(UNSAFE_EXCEPT_LAYOUT, escapeChar).split('\n');
  const shown = lines.slice(0, maxLines).map((line) => {
    const chars = Array.from(line);
    return chars.length > maxLine ? `${chars.slice(0, maxLine).join('')}… (${chars.length - maxLine} more characters)` : line;
  });
  if (lines.length > maxLines) shown.push(`… (${lines.length - maxLines} more lines)`);
  return shown.join('\n');
}
