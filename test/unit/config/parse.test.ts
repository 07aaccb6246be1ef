import { describe, expect, it } from 'vitest';
import { formatPath, parseYamlWithPositions } from '../../../src/config/parse.js';
import { ConfigError } from '../../../src/errors.js';

const TEXT = `# comment
default: gpu
servers:
  gpu:
    host: a
    exclude:
      - x
      - y
  cpu: {host: b}
`;

describe('parseYamlWithPositions', () => {
  const { data, lineOf } = parseYamlWithPositions(TEXT, 'f.yaml');

  it('returns plain data', () => {
    expect(data).toEqual({ default: 'gpu', servers: { gpu: { host: 'a', exclude: ['x', 'y'] }, cpu: { host: 'b' } } });
  });

  it.each([
    [['default'], 2],
    [['servers'], 3],
    [['servers', 'gpu', 'host'], 5],
    [['servers', 'gpu', 'exclude', 1], 8],
    [['servers', 'cpu', 'host'], 9],
    [['servers', 'gpu', 'port'], 4],
    [['servers', 'nope', 'port'], 3],
    [[], 2],
  ] as const)('lineOf(%j) = %d', (path, line) => {
    expect(lineOf(path)).toBe(line);
  });

  it.each([
    ['servers:\n\tgpu: x\n', /^f\.yaml:2:1: Tabs are not allowed as indentation$/],
    ['servers:\n  gpu:\n    host: a\n   port: 22\n', /^f\.yaml:4:1: All mapping items must start at the same column$/],
    ['a: b: c\n', /^f\.yaml:1:4: /],
    ['a: 1\na: 2\n', /^f\.yaml:2:1: Map keys must be unique/],
    ['servers:\n  - a\n b: c\n', /^f\.yaml:3:\d+: /],
    ['a: 1\n---\nb: 2\n', /^f\.yaml:2:1: only one YAML document is allowed/],
  ])('syntax error in %j → file:line:col', (text, expected) => {
    let error: unknown;
    try {
      parseYamlWithPositions(text, 'f.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(expected);
  });

  it('a text file that is far from YAML: five short located errors, the rest counted', () => {
    const text = `servers:\n  a: {host: [${'x'.repeat(100_000)}\n${'  - : : ] y\n'.repeat(50)}`;
    let error: unknown;
    try {
      parseYamlWithPositions(text, 'f.yaml');
    } catch (caught) {
      error = caught;
    }
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(6);
    expect(problems.slice(0, 5).every((p) => /^f\.yaml:\d+:\d+: /.test(p) && p.length < 160)).toBe(true);
    expect(problems[5]).toMatch(/^f\.yaml: … and \d+ more YAML errors$/);
  });

  it('treats an empty file as null', () => {
    expect(parseYamlWithPositions('# nothing\n', 'f').data).toBeNull();
  });
});

describe('formatPath', () => {
  it.each([
    [['servers', 'gpu', 'port'], 'servers.gpu.port'],
    [['servers', 'gpu', 'exclude', 2], 'servers.gpu.exclude[2]'],
    [['servers', 'a.b', 'port'], 'servers["a.b"].port'],
    [['servers', '\u001b]0;x\u0007', 'port'], 'servers["\\u001b]0;x\\u0007"].port'],
    [['servers', 'k'.repeat(100)], `servers["${'k'.repeat(40)}…"]`],
    [[], ''],
  ] as const)('%j → %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});
