// Feeds output chunks, reports the first line that matches. The unfinished last line is tested
// too, so prompts without a newline ("Password: ") can be waited for.
export function createLineMatcher(pattern: RegExp): (chunk: Buffer | string) => string | undefined {
  let pending = '';
  return (chunk) => {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (pattern.test(line.replace(/\r$/, ''))) return line.replace(/\r$/, '');
    }
    if (pending && pattern.test(pending)) {
      const hit = pending;
      pending = '';
      return hit;
    }
    // Keep memory bounded for output without newlines.
    if (pending.length > 65536) pending = pending.slice(-4096);
    return undefined;
  };
}
