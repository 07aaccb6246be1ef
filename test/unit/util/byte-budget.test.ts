import { describe, expect, it } from 'vitest';
import { createByteBudget } from '../../../src/util/byte-budget.js';

const settled = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('createByteBudget', () => {
  it('lets amounts through while they fit, and holds the rest until bytes come back', async () => {
    const budget = createByteBudget(100);
    const got: string[] = [];
    void budget.take(60).then(() => got.push('a'));
    void budget.take(30).then(() => got.push('b'));
    void budget.take(20).then(() => got.push('c'));
    await settled();
    expect(got).toEqual(['a', 'b']);
    expect(budget.used).toBe(90);
    budget.give(60);
    await settled();
    expect(got).toEqual(['a', 'b', 'c']);
    expect(budget.used).toBe(50);
  });

  it('serves waiters in order: a large amount is not overtaken by later small ones', async () => {
    const budget = createByteBudget(100);
    const got: string[] = [];
    await budget.take(80);
    void budget.take(50).then(() => got.push('big'));
    void budget.take(10).then(() => got.push('small'));
    await settled();
    expect(got).toEqual([]);
    budget.give(80);
    await settled();
    expect(got).toEqual(['big', 'small']);
  });

  it('lets an amount larger than the whole budget go alone', async () => {
    const budget = createByteBudget(10);
    const got: string[] = [];
    void budget.take(5).then(() => got.push('first'));
    void budget.take(50).then(() => got.push('huge'));
    await settled();
    expect(got).toEqual(['first']);
    budget.give(5);
    await settled();
    expect(got).toEqual(['first', 'huge']);
    expect(budget.used).toBe(50);
  });
});
