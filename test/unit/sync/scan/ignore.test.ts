import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  compileIgnoreRule,
  createIgnoreMatcher,
  isPrivatePath,
  matchRules,
  parseIgnoreFile,
  readRulesFile,
  toBytes,
} from '../../../../src/sync/scan/ignore.js';
import { walkLocalTree } from '../../../../src/sync/scan/walk.js';

const ROOT = '/proj';

// An in-memory project: rules files by path relative to ROOT.
function matcherFor(files: Record<string, string>, exclude: string[] = [], respectGitignore = true) {
  const readFile = vi.fn((abs: string) => files[abs.slice(ROOT.length + 1)]);
  return { matcher: createIgnoreMatcher(ROOT, { exclude, respectGitignore, readFile }), readFile };
}

// One pattern, one path: true = ignored, false = re-included, undefined = no match.
const match = (pattern: string, relPath: string, isDir = false) => {
  const rule = compileIgnoreRule(pattern);
  return rule === undefined ? 'never' : matchRules([rule], toBytes(relPath), isDir);
};

const patternRows: [string, string, boolean, boolean | undefined][] = [
  ['*.log', 'a.log', false, true],
  ['*.log', 'deep/dir/a.log', false, true],
  ['!*.log', 'a.log', false, false],
  ['/build', 'build', true, true],
  ['/build', 'src/build', true, undefined],
  ['build/', 'build', false, undefined],
  ['build/', 'x/build', true, true],
  ['doc/*.txt', 'doc/a.txt', false, true],
  ['doc/*.txt', 'doc/x/a.txt', false, undefined],
  ['doc/*.txt', 'x/doc/a.txt', false, undefined],
  ['**/cache', 'cache', true, true],
  ['**/cache', 'a/b/cache', true, true],
  ['a/**/b', 'a/b', false, true],
  ['a/**/b', 'a/x/y/b', false, true],
  ['a/**', 'a/x/y', false, true],
  ['a/**', 'a', true, undefined],
  ['a**b', 'axxb', false, true],
  ['a/b**c', 'a/bx/c', false, undefined],
  ['file?.bin', 'file1.bin', false, true],
  ['file?.bin', 'file10.bin', false, undefined],
  ['[Tt]emp', 'temp', false, true],
  ['[!a]b', 'ab', false, undefined],
  ['[!a]b', 'cb', false, true],
  ['[^a]b', 'cb', false, true],
  ['[a-c]x', 'bx', false, true],
  ['[a-c]x', 'dx', false, undefined],
  ['[[:digit:]]x', '5x', false, true],
  ['[]]', ']', false, true],
  ['[z-a]', 'q', false, undefined],
  ['a[/]b', 'a/b', false, undefined],
  ['\\#hash', '#hash', false, true],
  ['\\!bang', '!bang', false, true],
  ['\\*', '*', false, true],
  ['\\*', 'x', false, undefined],
  ['trail   ', 'trail', false, true],
  ['sp\\ ', 'sp ', false, true],
  ['sp\\ ', 'sp', false, undefined],
  ['a b', 'a b', false, true],
  ['ünï*', 'ünïcode', false, true],
  // git matches bytes: `?` is one byte, `é` is two.
  ['caf?.txt', 'café.txt', false, undefined],
  ['caf??.txt', 'café.txt', false, true],
  ['*.txt', 'line\nbreak.txt', false, true],
];

describe('compileIgnoreRule + matchRules', () => {
  it.each(patternRows)('%j on %j (dir=%s) → %s', (pattern, relPath, isDir, expected) => {
    expect(match(pattern, relPath, isDir)).toBe(expected);
  });

  it.each(['', '   ', '# comment', '!', '/', 'unterminated[', 'trailing\\', '[[:nope:]]'])(
    '%j is no rule',
    (line) => expect(compileIgnoreRule(line)).toBeUndefined(),
  );

  it('parses CRLF files with a BOM, skipping comments', () => {
    expect(parseIgnoreFile('\uFEFF# c\r\na.txt\r\n\r\n!b\r\n').map((r) => [r.negative, r.regex.test('a.txt')])).toEqual([
      [false, true],
      [true, false],
    ]);
  });
});

describe('isPrivatePath', () => {
  it.each([
    ['.mtr', true],
    ['.mtr/config.yaml', true],
    ['sub/.mtr', true],
    ['a/b/.mtr/logs/x', true],
    ['a/.git', true],
    ['.gitignore', false],
    ['a/.mtrignore', false],
    ['a/x.mtr', false],
    ['.mtr-tmp', false],
    ['src/main.py', false],
    ['.mtr-conflicts', true],
    ['.mtr-conflicts/2026-01-01T00-00-00/train.py', true],
    ['sub/.mtr-conflicts', false],
    ['.mtr-conflicts-old', false],
  ])('%s → %s', (p, expected) => expect(isPrivatePath(p)).toBe(expected));
});

describe('createIgnoreMatcher', () => {
  const nested = { '.gitignore': 'x/\n*.log\n/local\n', 'sub/.gitignore': '!x/\n', 'sub/deep/.gitignore': 'x/\n' };
  const withMtr = { '.gitignore': 'data/\n*.log\n.env\n', '.mtrignore': '!data/\n!.env\n' };

  it.each([
    // [name, files, exclude, respectGitignore, path, isDir, expected]
    ['root rule', nested, [], true, 'x', true, true],
    ['inherited from excluded dir', nested, [], true, 'x/f', false, true],
    ['deeper .gitignore re-includes dir', nested, [], true, 'sub/x', true, false],
    ['…and its files', nested, [], true, 'sub/x/f', false, false],
    ['…but root *.log still hits files', nested, [], true, 'sub/x/a.log', false, true],
    ['deepest wins again', nested, [], true, 'sub/deep/x', true, true],
    ['anchored to its own dir', nested, [], true, 'local', false, true],
    ['anchored: not deeper', nested, [], true, 'sub/local', false, false],
    ['parent excluded: no re-include', { '.gitignore': 'secret/\n!secret/a\n' }, [], true, 'secret/a', false, true],
    ['excluded dir .gitignore not honoured', { '.gitignore': 's/\n', 's/.gitignore': '!a\n' }, [], true, 's/a', false, true],
    ['info/exclude', { '.git/info/exclude': 'local.txt\n' }, [], true, 'local.txt', false, true],
    ['.gitignore beats info/exclude', { '.git/info/exclude': 'a\n', '.gitignore': '!a\n' }, [], true, 'a', false, false],
    ['.git dir', {}, [], true, '.git', true, true],
    ['.git contents', {}, [], false, '.git/config', false, true],
    ['nested .git file', {}, [], true, 'sub/.git', false, true],
    ['.git beats negation', {}, ['!.git/'], true, '.git', true, true],
    ['.mtr dir', {}, [], true, '.mtr', true, true],
    ['nested .mtr dir', {}, [], false, 'sub/.mtr', true, true],
    ['the top .mtr-conflicts, even re-included', { '.mtrignore': '!.mtr-conflicts/\n' }, [], false, '.mtr-conflicts', true, true],
    ['a deeper .mtr-conflicts is the project\'s', {}, [], false, 'sub/.mtr-conflicts', true, false],
    ['nested .mtr contents', {}, [], false, 'a/b/.mtr/config.yaml', false, true],
    ['a file named .mtr', {}, [], false, 'x/.mtr', false, true],
    ['.mtr beats .mtrignore negation', { '.mtrignore': '!sub/.mtr/\n!sub/.mtr/**\n' }, [], true, 'sub/.mtr/config.yaml', false, true],
    ['.mtrx is an ordinary name', {}, [], true, 'sub/.mtrx', true, false],
    ['respectGitignore false', nested, [], false, 'x/f', false, false],
    ['respectGitignore false: no info/exclude', { '.git/info/exclude': 'a\n' }, [], false, 'a', false, false],
    ['.mtrignore applies', { '.mtrignore': '*.ckpt\n' }, [], true, 'm/best.ckpt', false, true],
    ['.mtrignore applies without gitignore', { '.mtrignore': '*.ckpt\n' }, [], false, 'best.ckpt', false, true],
    ['.mtrignore re-includes dir', withMtr, [], true, 'data', true, false],
    ['…its files', withMtr, [], true, 'data/x.csv', false, false],
    ['…but *.log inside still ignored', withMtr, [], true, 'data/a.log', false, true],
    ['.mtrignore re-includes file', withMtr, [], true, '.env', false, false],
    ['exclude dir pattern', {}, ['__pycache__/'], true, 'pkg/__pycache__', true, true],
    ['exclude glob', {}, ['*.ckpt'], true, 'runs/1/m.ckpt', false, true],
    ['exclude anchored by middle slash', {}, ['data/raw/'], true, 'data/raw', true, true],
    ['…not deeper', {}, ['data/raw/'], true, 'x/data/raw', true, false],
    ['.mtrignore negates exclude', { '.mtrignore': '!best.ckpt\n' }, ['*.ckpt'], true, 'best.ckpt', false, false],
    ['exclude beats .gitignore negation', { '.gitignore': '!*.ckpt\n' }, ['*.ckpt'], true, 'm.ckpt', false, true],
    ['not ignored by default', nested, [], true, 'src/main.py', false, false],
    ['root never ignored', { '.gitignore': '*\n' }, [], true, '', true, false],
    ['./ and trailing / tolerated', nested, [], true, './x/', true, true],
  ] as const)('%s: %s', (_name, files, exclude, respect, relPath, isDir, expected) => {
    const { matcher } = matcherFor(files, [...exclude], respect);
    expect(matcher.isIgnored(relPath, isDir)).toBe(expected);
  });

  it('reads each .gitignore lazily and once, never inside ignored dirs', () => {
    const { matcher, readFile } = matcherFor({ '.gitignore': 'skip/\n' });
    const gitignoreReads = () => readFile.mock.calls.map(([abs]) => abs).filter((abs) => abs.endsWith('.gitignore'));
    expect(gitignoreReads()).toEqual([]);
    matcher.isIgnored('a/b/c.txt', false);
    matcher.isIgnored('a/b/d.txt', false);
    matcher.isIgnored('skip/e/f.txt', false);
    expect(gitignoreReads().sort()).toEqual(['/proj/.gitignore', '/proj/a/.gitignore', '/proj/a/b/.gitignore']);
  });

  it('does not read any .gitignore when respectGitignore is false', () => {
    const { matcher, readFile } = matcherFor({}, [], false);
    matcher.isIgnored('a/b.txt', false);
    expect(readFile.mock.calls.map(([abs]) => abs)).toEqual(['/proj/.mtrignore']);
  });
});

// ---- git as the oracle -------------------------------------------------------------------------------

const hasGit = spawnSync('git', ['--version']).status === 0;
const temps: string[] = [];
afterEach(() => temps.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

// git without the user's global/system config (no core.excludesFile) so only the fixture's rules count.
function git(cwd: string, args: string[], input?: string): string {
  const home = path.join(cwd, '.git');
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  return execFileSync('git', ['-c', 'init.defaultBranch=main', ...args], { cwd, env, input, encoding: 'utf8' });
}

// Spec: path → file content, null = directory, { symlink } = link. Returns the repo root.
function makeRepo(spec: Record<string, string | null | { symlink: string }>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-ignore-'));
  temps.push(root);
  git(root, ['init', '-q']);
  for (const [rel, what] of Object.entries(spec)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(what === null ? abs : path.dirname(abs), { recursive: true });
    if (typeof what === 'string') fs.writeFileSync(abs, what);
    else if (what !== null) fs.symlinkSync(what.symlink, abs);
  }
  return root;
}

async function walkedFiles(root: string, respectGitignore: boolean, exclude: string[] = []): Promise<string[]> {
  const matcher = createIgnoreMatcher(root, { exclude, respectGitignore, readFile: readRulesFile });
  const tree = await walkLocalTree(root, matcher);
  return tree.entries.filter((entry) => entry.type !== 'dir').map((entry) => entry.path).sort();
}

const gitFiles = (root: string, standard: boolean): string[] =>
  git(root, ['ls-files', '-co', ...(standard ? ['--exclude-standard'] : []), '-z'])
    .split('\0')
    .filter(Boolean)
    .sort();

const FIXTURE: Record<string, string | null | { symlink: string }> = {
  '.gitignore': [
    '# comment', '*.log', '!keep.log', '/build', 'out/', '**/cache/**', 'docs/**/*.tmp', '\\#hash.txt',
    '\\!bang.txt', 'trailing.txt   ', 'esc\\ ', '*.o', '!important.o', 'secret/', '!secret/allowed.txt',
    '[Tt]emp*', 'file?.bin', 'vendor/*', '!vendor/keep/', 'ünïcode-ignored.txt', 'name with spaces.tmp',
    'caf?.txt', 'data[0-9].csv', 'lnk/', '[[:upper:]]*.up', '',
  ].join('\n'),
  'a.log': '', 'keep.log': '', 'dir/b.log': '', 'dir/keep.log': '',
  'build/x.txt': '', 'src/build/y.txt': '', 'out/o.txt': '', 'src/out/o.txt': '', 'lib/out': '',
  'a/cache/c.txt': '', 'cache/d.txt': '', 'cached.txt': '',
  'docs/a.tmp': '', 'docs/x/y/b.tmp': '', 'other.tmp': '', 'docs/readme.md': '',
  '#hash.txt': '', '!bang.txt': '', 'trailing.txt': '', 'esc ': '', 'esc': '',
  'main.o': '', 'important.o': '', 'secret/allowed.txt': '', 'secret/.gitignore': '!allowed.txt\n',
  'Temp1': '', 'temp2': '', 'atemp': '', 'file1.bin': '', 'file10.bin': '',
  'vendor/a.js': '', 'vendor/keep/k.js': '', 'vendor/other/o.js': '',
  'ünïcode-ignored.txt': '', 'ünïcode-kept.txt': '', 'name with spaces.tmp': '', 'name with spaces.txt': '',
  'café.txt': '', 'cafe.txt': '', 'data1.csv': '', 'data10.csv': '', 'Big.up': '', 'small.up': '',
  'lnk': { symlink: 'src' }, 'dangling': { symlink: 'nowhere' }, 'empty': null,
  'sub/.gitignore': '!*.log\nx/\nbuild\n/local-only\n',
  'sub/s.log': '', 'sub/x/f': '', 'sub/build/z.txt': '', 'sub/local-only': '', 'sub/deep/local-only': '',
  'sub/deep/.gitignore': '!x/\n', 'sub/deep/x/f': '', 'sub/deep/x/g.log': '',
  'crlf/.gitignore': 'a.txt\r\n', 'crlf/a.txt': '', 'crlf/b.txt': '',
  '.git/info/exclude': 'excluded-by-info.txt\n', 'excluded-by-info.txt': '',
  'tab\tname': '', 'line\nbreak': '',
};

describe.skipIf(!hasGit)('agrees with git', () => {
  it('walkLocalTree lists exactly `git ls-files -co --exclude-standard`', async () => {
    const root = makeRepo(FIXTURE);
    const expected = gitFiles(root, true);
    // Guard against a vacuous pass: the fixture really exercises both sides.
    expect(expected).toEqual(expect.arrayContaining(['keep.log', 'sub/deep/x/f', 'vendor/keep/k.js', 'esc', 'lnk']));
    expect(expected).not.toContain('secret/allowed.txt');
    expect(await walkedFiles(root, true)).toEqual(expected);
  });

  it('respectGitignore false lists exactly `git ls-files -co` (still no .git/)', async () => {
    const root = makeRepo(FIXTURE);
    expect(await walkedFiles(root, false)).toEqual(gitFiles(root, false));
  });

  it('mtr rules come on top of git: exclude and .mtrignore', async () => {
    const root = makeRepo({ ...FIXTURE, '.mtrignore': 'cafe.txt\n!out/\n' });
    const expected = gitFiles(root, true).filter((file) => !file.endsWith('.o') && file !== 'cafe.txt');
    // `!out/` has no slash inside, so it re-includes every dir named out.
    expected.push('out/o.txt', 'src/out/o.txt');
    expect(await walkedFiles(root, true, ['*.o'])).toEqual(expected.sort());
  });

  it('each pattern row agrees with `git check-ignore -v`', () => {
    const spec: Record<string, string | null> = {};
    patternRows.forEach(([pattern, relPath, isDir], i) => {
      spec[`r${i}/.gitignore`] = `${pattern}\n`;
      spec[`r${i}/${relPath}`] = isDir ? null : '';
    });
    const root = makeRepo(spec);
    const paths = patternRows.map(([, relPath], i) => `r${i}/${relPath}`);
    const fields = git(root, ['check-ignore', '-v', '-n', '--no-index', '-z', '--stdin'], `${paths.join('\0')}\0`).split('\0');
    const fromGit = paths.map((_, i) => {
      const pattern = fields[i * 4 + 2] as string;
      return pattern === '' ? undefined : !pattern.startsWith('!');
    });
    expect(fromGit).toEqual(patternRows.map(([, , , expected]) => expected));
  });
});
