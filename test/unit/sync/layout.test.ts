import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// src/sync/ by concern, its imports pointing one way (README, Development): each part imports only
// parts below it. Static and lazy imports alike, read from the sources.
const ORDER = ['sync-project', 'engine', 'rsync', 'remote', 'sftp', 'plan', 'scan', 'sync-record', 'notice', 'temp-name', 'types'];
const SYNC = fileURLToPath(new URL('../../../src/sync/', import.meta.url));
const IMPORT = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sources(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}

/** The part a file of src/sync/ belongs to: its folder, or its own name at the top. */
function partOf(file: string): string | undefined {
  const rel = path.relative(SYNC, file);
  if (rel.startsWith('..')) return undefined;
  const [first, second] = rel.split(path.sep);
  return second === undefined ? (first as string).replace(/\.ts$/, '') : first;
}

describe('src/sync layout', () => {
  it('every part imports only parts below it, and every file belongs to a known part', () => {
    const upward: string[] = [];
    for (const file of sources(SYNC)) {
      const from = partOf(file) as string;
      expect(ORDER, path.relative(SYNC, file)).toContain(from);
      for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const to = partOf(path.resolve(path.dirname(file), `${spec}.ts`));
        if (to === undefined || to === from) continue;
        if (ORDER.indexOf(to) < ORDER.indexOf(from)) upward.push(`${path.relative(SYNC, file)} → ${spec}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
