import { describe, expect, it } from 'vitest';
import { MAX_PENDING, createLinePrefixer } from '../../../src/exec/line-prefixer.js';

async function feed(chunks: string[]): Promise<{ writes: string[]; raw: string }> {
  const writes: string[] = [];
  let raw = '';
  const prefixer = createLinePrefixer('[gpu1] ', { write: (t) => writes.push(t) }, (c) => (raw += c.toString()));
  for (const chunk of chunks) await new Promise<void>((r) => prefixer.write(chunk, () => r()));
  await new Promise<void>((r) => prefixer.end(() => r()));
  return { writes, raw };
}

describe('createLinePrefixer', () => {
  it.each([
    ['whole lines in one write', ['a\nb\n'], ['[gpu1] a\n[gpu1] b\n']],
    ['a line split across chunks waits for its end', ['ep', 'och 1\n'], ['[gpu1] epoch 1\n']],
    ['unterminated last line is finished', ['done'], ['[gpu1] done\n']],
    ['empty lines keep their prefix', ['\n\n'], ['[gpu1] \n[gpu1] \n']],
    ['progress with \\r stays inside its line', ['10%\r50%\r100%\n'], ['[gpu1] 10%\r50%\r100%\n']],
  ])('%s', async (_name, chunks, expected) => {
    const { writes, raw } = await feed(chunks);
    expect(writes).toEqual(expected);
    expect(raw).toBe(chunks.join(''));
  });

  it('writes a very long newline-free run instead of holding it forever', async () => {
    const { writes } = await feed(['x'.repeat(MAX_PENDING + 1)]);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBe(`[gpu1] ${'x'.repeat(MAX_PENDING + 1)}\n`);
  });
});

describe('createLinePrefixer with split UTF-8', () => {
  it('keeps a character split across chunks intact', async () => {
    const writes: string[] = [];
    const prefixer = createLinePrefixer('[a] ', { write: (t) => writes.push(t) });
    const bytes = Buffer.from('ü✓\n');
    await new Promise<void>((r) => prefixer.write(bytes.subarray(0, 1), () => r()));
    await new Promise<void>((r) => prefixer.write(bytes.subarray(1), () => r()));
    await new Promise<void>((r) => prefixer.end(() => r()));
    expect(writes).toEqual(['[a] ü✓\n']);
  });
});
