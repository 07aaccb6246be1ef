import { describe, expect, it } from 'vitest';
import { checkJobName, entryJobName, generateJobName, isValidJobName, slugify } from '../../../src/remote/job-name.js';

describe('job names', () => {
  it.each([
    ['train', true],
    ['a_b-C9', true],
    ['', false],
    ['has space', false],
    ['semi;colon', false],
    ['$(id)', false],
    ["it's", false],
    ['x'.repeat(65), false],
  ])('%j valid=%s', (name, valid) => expect(isValidJobName(name)).toBe(valid));

  it('checkJobName throws a usage error (exit 2)', () => {
    expect(() => checkJobName('a b')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it.each([
    ['/home/u/my model', 'my-model'],
    ['/p/ünï', 'n'],
    ['/p/日本', 'job'],
    ['/p/a.b_c', 'a-b_c'],
  ])('slug of %s', (dir, slug) => expect(generateJobName(dir, () => 'abc123')).toBe(`${slug}-abc123`));

  it('slugify keeps names safe', () => expect(isValidJobName(`${slugify('$(rm -rf /)')}-x`)).toBe(true));

  it.each([
    ['train', 'gpu1', 'train-gpu1'],
    ['proj-534de9', 'box.lab', 'proj-534de9-box-lab'],
    ['x', 'a_b', 'x-a_b'],
  ])('entryJobName(%s, %s) = %s, a name the job layer accepts', (name, entry, expected) => {
    expect(entryJobName(name, entry)).toBe(expected);
    expect(/^[A-Za-z0-9_-]+$/.test(expected)).toBe(true);
  });
});
