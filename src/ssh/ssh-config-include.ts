// Inline OpenSSH `Include` directives, since the ssh-config package leaves them as plain directives.
// File access comes in as functions so this stays pure and testable. Known gap: Host/Match blocks in a
// file included from *inside* a Host/Match block apply unconditionally here; ssh would also require the
// outer block to match. Top-level Includes (the usual `Include config.d/*`) are exact.
import { posix } from 'node:path';
import { globToRegExp } from '../util/glob.js';

export type ReadFile = (path: string) => string | undefined;
export type ListDir = (dir: string) => string[];

// OpenSSH's READCONF_MAX_DEPTH; deeper (or cyclic) includes are dropped.
const MAX_DEPTH = 16;
const INCLUDE = /^\s*include(?:\s*=\s*|\s+)(.*)$/i;
const SECTION = /^\s*(host|match)(?:\s*=\s*|\s+)/i;

export function expandIncludes(
  text: string,
  readFile: ReadFile,
  homedir: string,
  listDir: ListDir = () => [],
): string {
  return expandText(text, { readFile, listDir, homedir }, [], 'Host *');
}

interface IncludeIo {
  readFile: ReadFile;
  listDir: ListDir;
  homedir: string;
}

// `parents` holds the files being expanded, so a file that includes itself is skipped, not repeated.
function expandText(text: string, io: IncludeIo, parents: readonly string[], outer: string): string {
  const out: string[] = [];
  // After an included file opens its own Host/Match blocks, ssh returns to the enclosing block:
  // repeat that block's header so the lines after the Include stay where they were.
  let section = outer;
  for (const line of text.split(/\r?\n/)) {
    if (SECTION.test(line)) section = line.trim();
    const include = INCLUDE.exec(line);
    if (!include) {
      out.push(line);
      continue;
    }
    const paths = resolveIncludePaths(splitWords(include[1] ?? ''), io)
      .filter((path) => parents.length < MAX_DEPTH && !parents.includes(path));
    const included: string[] = [];
    for (const path of paths) {
      const content = io.readFile(path);
      if (content !== undefined) included.push(expandText(content, io, [...parents, path], section));
    }
    out.push(...included);
    if (included.some((content) => content.split(/\r?\n/).some((l) => SECTION.test(l)))) out.push(section);
  }
  return out.join('\n');
}

// Words of a directive value: whitespace-separated, "double quotes" group, `#` starts a comment.
export function splitWords(value: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|([^\s"#]+)|(#)/g;
  for (const match of value.matchAll(re)) {
    if (match[3]) break;
    words.push(match[1] ?? match[2] ?? '');
  }
  return words.filter((w) => w !== '');
}

// Relative paths live in ~/.ssh; `*` and `?` may appear in the last path component.
export function resolveIncludePaths(patterns: readonly string[], io: Pick<IncludeIo, 'listDir' | 'homedir'>): string[] {
  return patterns.flatMap((pattern) => {
    const path = anchorPath(pattern, io.homedir);
    if (!/[*?]/.test(path)) return [path];
    const dir = posix.dirname(path);
    const base = posix.basename(path);
    const glob = globToRegExp(base);
    // As in glob(3), a wildcard does not match a leading dot unless the pattern starts with one.
    const hidden = base.startsWith('.');
    return io.listDir(dir)
      .filter((name) => glob.test(name) && (hidden || !name.startsWith('.')))
      .sort()
      .map((name) => posix.join(dir, name));
  });
}

function anchorPath(path: string, homedir: string): string {
  if (path === '~') return homedir;
  if (path.startsWith('~/')) return posix.join(homedir, path.slice(2));
  if (path.startsWith('/')) return path;
  return posix.join(homedir, '.ssh', path);
}
