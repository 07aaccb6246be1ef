import { describe, expect, it } from 'vitest';
import type { Context } from '../../../src/context.js';
import { HostPool } from '../../../src/host/host-pool.js';
import { callContext, commandContext, SYNC_PROGRESS_EVERY_MS } from '../../../src/mcp/call.js';

const base = { cwd: '/p', env: {}, homedir: '/h', stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, stdinIsData: true, liveLine: { current: undefined } } as unknown as Context;

describe('commandContext', () => {
  it('no stdout, no stdin data, no spinner, the pool as host source; stderr kept', () => {
    const pool = new HostPool();
    const ctx = commandContext(base, pool);
    expect(ctx.stdout).not.toBe(process.stdout);
    expect(ctx.stdin).not.toBe(process.stdin);
    expect(ctx.stdinIsData).toBe(false);
    expect(ctx.liveLine).toBeUndefined();
    expect(ctx.hostSource).toBe(pool);
    expect(ctx.stderr).toBe(process.stderr);
    expect(ctx.stdout.write('swallowed')).toBe(true);
  });
});

describe('callContext', () => {
  it('passes a sync\'s progress lines on at most once per interval', () => {
    let clock = 0;
    const said: string[] = [];
    const ctx = callContext(base, (m) => said.push(m), () => clock);
    ctx.onProgress?.('a');
    clock += SYNC_PROGRESS_EVERY_MS - 1;
    ctx.onProgress?.('b');
    clock += 1;
    ctx.onProgress?.('c');
    expect(said).toEqual(['a', 'c']);
  });
});
