// Which sources of the bundle (dist/mtr.cjs) had code run in a process: from V8's precise coverage
// (NODE_V8_COVERAGE=dir) mapped back through the bundle's source map. Used to prove a path never runs
// a module the bundle carries (the MCP SDK on a plain run), which a file-level check can no longer
// tell now that the program is one file.
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { WRAPPER_HEAD } from '../../src/boot.js';

interface CoverageFile {
  result: { url: string; functions: { functionName: string; ranges: { startOffset: number; count: number }[] }[] }[];
}

/** Source file (as the map names it) → number of its functions that ran, for the bundle at `bundle`. */
export function sourcesRun(coverageDir: string, bundle: string): Map<string, number> {
  const text = fs.readFileSync(bundle, 'utf8');
  const map = new SourceMap(JSON.parse(fs.readFileSync(`${bundle}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const position = (offset: number): [number, number] => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return [lo, offset - lineStarts[lo]!];
  };
  const counts = new Map<string, number>();
  let seen = false;
  for (const name of fs.readdirSync(coverageDir)) {
    const { result } = JSON.parse(fs.readFileSync(`${coverageDir}/${name}`, 'utf8')) as CoverageFile;
    for (const script of result.filter((s) => s.url.startsWith('file:') && fileURLToPath(s.url) === bundle)) {
      seen = true;
      for (const fn of script.functions) {
        const range = fn.ranges[0]!;
        // Offsets count from the start of the script V8 compiled: src/boot.ts's wrapper, then the bundle.
        const offset = range.startOffset - WRAPPER_HEAD.length;
        if (range.count === 0 || offset < 0) continue;
        const source = (map.findEntry(...position(offset)) as { originalSource?: string }).originalSource ?? '';
        counts.set(source, (counts.get(source) ?? 0) + 1);
      }
    }
  }
  if (!seen) throw new Error(`no coverage of ${bundle} in ${coverageDir}`);
  return counts;
}
