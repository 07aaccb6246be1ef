import { describe, expect, it } from 'vitest';
import { HeadTail } from '../../../src/util/head-tail.js';

const feed = (max: number, chunks: string[]) => {
  const bounded = new HeadTail(max);
  for (const chunk of chunks) bounded.push(Buffer.from(chunk));
  return bounded.result((n) => `[${n}]`);
};

describe('HeadTail', () => {
  it('keeps everything that fits', () => {
    expect(feed(10, ['abc', 'defg'])).toEqual({ bytes: Buffer.from('abcdefg'), truncated: false, total: 7 });
    expect(feed(10, ['0123456789'])).toMatchObject({ truncated: false, total: 10 });
  });
  it('keeps the head and the tail, counting the rest', () => {
    const result = feed(6, ['abc', 'defghij', 'klmnop']);
    expect(result.bytes.toString()).toBe('abc[10]nop');
    expect(result).toMatchObject({ truncated: true, total: 16 });
  });
  it('works byte by byte', () => {
    expect(feed(4, 'abcdefgh'.split('')).bytes.toString()).toBe('ab[4]gh');
  });
  it('never splits a UTF-8 character', () => {
    const result = feed(6, ['ééééééé']); // 14 bytes
    const text = result.bytes.toString('utf8');
    expect(text).not.toContain('\ufffd');
    expect(text).toMatch(/^é+\[\d+\]é+$/);
    const [, head = '', dropped = '0', tail = ''] = /^(é*)\[(\d+)\](é*)$/.exec(text) ?? [];
    expect(Buffer.byteLength(head) + Number(dropped) + Buffer.byteLength(tail)).toBe(14);
  });
  it('memory stays bounded for a long stream', () => {
    const bounded = new HeadTail(100);
    for (let i = 0; i < 10_000; i++) bounded.push(Buffer.from(`line ${i}\n`));
    const result = bounded.result();
    expect(result.bytes.length).toBeLessThan(160);
    expect(result.bytes.toString()).toMatch(/^line 0\n[\s\S]*line 9999\n$/);
  });
});
