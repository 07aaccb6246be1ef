// Which local paths mtr leaves out: one matcher shared by the rsync engine, the SFTP engine and watch mode.
//
// Precedence for one path, first decisive step wins:
//   1. a path named `.git` or `.mtr` (dir or file, any depth) is always ignored: a `.mtr/` holds a
//      config with possible passwords, logs, sandbox keys (a nested one may be another project's),
//      so none is ever sent to a server, and none is ever deleted there; so is the top-level
//      `.mtr-conflicts` (the server's kept edits, conflicts.ts);
//   2. any ancestor directory ignored → ignored (git: a file can't be re-included if a parent dir is excluded);
//   3. mtr's own rules — config `exclude`, then the root `.mtrignore` — last matching line decides, so a
//      `.mtrignore` negation (`!data/`) can re-include what a .gitignore excluded;
//   4. .gitignore files, deepest directory first (each relative to its own directory), then
//      `.git/info/exclude`; within one file the last matching line decides (git's own order);
//   5. otherwise kept.
// Patterns are matched byte-wise and case-sensitively, like git's wildmatch on Linux. The user's global
// core.excludesFile and .gitignore files above `root` are not read.
import fs from 'node:fs';
import path from 'node:path';

export interface IgnoreRule {
  pattern: string;
  negative: boolean;
  dirOnly: boolean;
  /** Pattern had no slash: matched against the basename at any depth. */
  basenameOnly: boolean;
  regex: RegExp;
}

export interface IgnoreOptions {
  /** Gitignore-syntax patterns from the config, relative to root. */
  exclude: readonly string[];
  respectGitignore: boolean;
  /** Text of a rules file, or undefined when it does not exist. */
  readFile: (absPath: string) => string | undefined;
}

export interface IgnoreMatcher {
  /** relPath: POSIX, relative to root, no leading `./`. Ancestors are checked too (cached per directory). */
  isIgnored(relPath: string, isDir: boolean): boolean;
}

const POSIX_CLASSES: Readonly<Record<string, string>> = Object.freeze({
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f', digit: '0-9',
  graph: '\\x21-\\x7e', lower: 'a-z', print: '\\x20-\\x7e', punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\n\\r\\f\\v', upper: 'A-Z', xdigit: '0-9A-Fa-f',
});

// git matches bytes (`?` is one byte, `é` is two): compare UTF-8 bytes held one per char, like git.
export function toBytes(s: string): string {
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

const hex = (ch: string): string => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;

// Port of wildmatch's bracket parsing; returns [regex, index after `]`] or undefined (git aborts the match).
function compileBracket(p: string, start: number): [string, number] | undefined {
  let i = start + 1;
  const negated = p[i] === '!' || p[i] === '^';
  if (negated) i++;
  let body = '';
  let first = true;
  for (; first || p[i] !== ']'; first = false, i++) {
    let ch = p[i];
    if (ch === undefined) return undefined;
    if (ch === '\\') {
      ch = p[++i];
      if (ch === undefined) return undefined;
    } else if (ch === '[' && p[i + 1] === ':') {
      const close = p.indexOf(']', i + 2);
      if (close < 0) return undefined;
      if (p[close - 1] === ':' && close - 1 >= i + 2) {
        const name = p.slice(i + 2, close - 1);
        const cls = Object.hasOwn(POSIX_CLASSES, name) ? POSIX_CLASSES[name] : undefined;
        if (cls === undefined) return undefined;
        body += cls;
        i = close;
        continue;
      }
    }
    if (p[i + 1] === '-' && p[i + 2] !== undefined && p[i + 2] !== ']') {
      i += 2;
      let hi = p[i] as string;
      if (hi === '\\') hi = p[++i] ?? '';
      if (hi === '') return undefined;
      if (ch.charCodeAt(0) <= hi.charCodeAt(0)) body += `${hex(ch)}-${hex(hi)}`;
      continue;
    }
    body += hex(ch);
  }
  // A bracket never matches `/` (WM_PATHNAME).
  return [negated ? `[^${body}/]` : `(?!/)[${body}]`, i + 1];
}

/** Gitignore glob (already stripped of `!`, slashes handled) → regex source, or undefined if it can never match. */
export function globToRegex(glob: string): string | undefined {
  const p = toBytes(glob);
  let out = '';
  for (let i = 0; i < p.length; ) {
    const ch = p[i] as string;
    if (ch === '*') {
      let end = i;
      while (p[end] === '*') end++;
      const wholeSegment = end - i >= 2 && (i === 0 || p[i - 1] === '/') && (end === p.length || p[end] === '/');
      if (wholeSegment && p[end] === '/') [out, i] = [out + '(?:.*/)?', end + 1];
      else if (wholeSegment) [out, i] = [out + '.*', end];
      else [out, i] = [out + '[^/]*', end];
    } else if (ch === '?') {
      [out, i] = [out + '[^/]', i + 1];
    } else if (ch === '[') {
      const bracket = compileBracket(p, i);
      if (!bracket) return undefined;
      [out, i] = [out + bracket[0], bracket[1]];
    } else if (ch === '\\') {
      const next = p[i + 1];
      if (next === undefined) return undefined;
      [out, i] = [out + hex(next), i + 2];
    } else {
      [out, i] = [out + hex(ch), i + 1];
    }
  }
  return out;
}

// git trims unescaped trailing spaces (not tabs).
function trimTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && line[end - 1] === ' ') end--;
  let backslashes = 0;
  while (end - backslashes > 0 && line[end - backslashes - 1] === '\\') backslashes++;
  return backslashes % 2 === 1 && end < line.length ? line.slice(0, end + 1) : line.slice(0, end);
}

/** One gitignore line → rule; undefined for blanks, comments and patterns that can never match. */
export function compileIgnoreRule(line: string): IgnoreRule | undefined {
  let p = trimTrailingSpaces(line);
  if (p === '' || p.startsWith('#')) return undefined;
  const negative = p.startsWith('!');
  if (negative) p = p.slice(1);
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.slice(0, -1);
  const basenameOnly = !p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  if (p === '') return undefined;
  const source = globToRegex(p);
  if (source === undefined) return undefined;
  return { pattern: line, negative, dirOnly, basenameOnly, regex: new RegExp(`^${source}$`, 's') };
}

export function parseIgnoreFile(text: string): IgnoreRule[] {
  return text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((line) => compileIgnoreRule(line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((rule): rule is IgnoreRule => rule !== undefined);
}

/** true = ignored, false = re-included by a negation, undefined = no rule matched. relPath is in bytes. */
export function matchRules(rules: readonly IgnoreRule[], relPath: string, isDir: boolean): boolean | undefined {
  const base = relPath.slice(relPath.lastIndexOf('/') + 1);
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i] as IgnoreRule;
    if (rule.dirOnly && !isDir) continue;
    if (rule.regex.test(rule.basenameOnly ? base : relPath)) return !rule.negative;
  }
  return undefined;
}

type RuleSet = (relPath: string, isDir: boolean) => boolean | undefined;

// Most paths match no rule: one combined regex per kind rejects them before the ordered scan.
function createRuleSet(rules: readonly IgnoreRule[]): RuleSet {
  if (rules.length === 0) return () => undefined;
  const anyOf = (list: IgnoreRule[]) => new RegExp(list.map((rule) => rule.regex.source).join('|') || '(?!)', 's');
  const anyBase = anyOf(rules.filter((rule) => rule.basenameOnly));
  const anyPath = anyOf(rules.filter((rule) => !rule.basenameOnly));
  return (relPath, isDir) => {
    const mayMatch = anyBase.test(relPath.slice(relPath.lastIndexOf('/') + 1)) || anyPath.test(relPath);
    return mayMatch ? matchRules(rules, relPath, isDir) : undefined;
  };
}

/** Names no sync ever sends or deletes, at any depth: no rule can re-include them. */
export const PRIVATE_NAMES: readonly string[] = ['.git', '.mtr'];
const PRIVATE_PATH = /(?:^|\/)\.(?:git|mtr)(?:\/|$)/;
/** Where the server's own edits are kept (conflicts.ts), at the top of remote_dir: never synced either way. */
export const CONFLICTS_DIR = '.mtr-conflicts';

/** relPath (POSIX, relative) is, or lies inside, a `.git` or `.mtr` at any depth, or the top `.mtr-conflicts`. */
export function isPrivatePath(relPath: string): boolean {
  return PRIVATE_PATH.test(relPath) || relPath === CONFLICTS_DIR || relPath.startsWith(`${CONFLICTS_DIR}/`);
}

const parentOf = (relPath: string): string => relPath.slice(0, Math.max(0, relPath.lastIndexOf('/')));

export function createIgnoreMatcher(root: string, options: IgnoreOptions): IgnoreMatcher {
  const read = (rel: string): IgnoreRule[] => parseIgnoreFile(options.readFile(path.join(root, rel)) ?? '');
  const mtrRules = createRuleSet([...options.exclude.flatMap((line) => parseIgnoreFile(line)), ...read('.mtrignore')]);
  const infoExclude = createRuleSet(options.respectGitignore ? read('.git/info/exclude') : []);
  // Both caches grow only with directories actually asked about (lazily, as the walker enters them).
  const gitignoreByDir = new Map<string, RuleSet>();
  const ignoredDir = new Map<string, boolean>();

  const gitignoreAt = (dir: string): RuleSet => {
    let rules = gitignoreByDir.get(dir);
    if (rules === undefined) {
      rules = createRuleSet(read(dir === '' ? '.gitignore' : `${dir}/.gitignore`));
      gitignoreByDir.set(dir, rules);
    }
    return rules;
  };

  const decideGit = (rel: string, isDir: boolean): boolean | undefined => {
    for (let dir = parentOf(rel); ; dir = parentOf(dir)) {
      const relToDir = toBytes(dir === '' ? rel : rel.slice(dir.length + 1));
      const verdict = gitignoreAt(dir)(relToDir, isDir);
      if (verdict !== undefined) return verdict;
      if (dir === '') return infoExclude(relToDir, isDir);
    }
  };

  const decideSelf = (rel: string, isDir: boolean): boolean => {
    // Ancestors were decided already: only this path's own name is left to check.
    if (PRIVATE_NAMES.includes(rel.slice(rel.lastIndexOf('/') + 1)) || rel === CONFLICTS_DIR) return true;
    const own = mtrRules(toBytes(rel), isDir);
    if (own !== undefined) return own;
    return options.respectGitignore ? (decideGit(rel, isDir) ?? false) : false;
  };

  const isIgnored = (relPath: string, isDir: boolean): boolean => {
    const rel = relPath.replace(/^\.\//, '').replace(/\/+$/, '');
    if (rel === '' || rel === '.') return false;
    const parent = parentOf(rel);
    if (parent !== '' && isDirIgnored(parent)) return true;
    return decideSelf(rel, isDir);
  };

  const isDirIgnored = (dir: string): boolean => {
    let verdict = ignoredDir.get(dir);
    if (verdict === undefined) {
      verdict = isIgnored(dir, true);
      ignoredDir.set(dir, verdict);
    }
    return verdict;
  };

  return { isIgnored };
}

/** The readFile for createIgnoreMatcher: a missing file is undefined; an unreadable one is an error. */
export function readRulesFile(absPath: string): string | undefined {
  try {
    return fs.readFileSync(absPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw error;
  }
}
