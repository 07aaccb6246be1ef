import { describe, expect, it } from 'vitest';
import { createLiveLineSlot, holdLiveLine, type LiveLine } from '../../../src/util/live-line.js';

function recorder(): LiveLine & { calls: string[] } {
  const calls: string[] = [];
  return { calls, pause: () => calls.push('pause'), resume: () => calls.push('resume') };
}

describe('holdLiveLine', () => {
  it('pauses the current line for the question and resumes it after the answer', async () => {
    const slot = createLiveLineSlot();
    const line = recorder();
    slot.current = line;
    const answer = await holdLiveLine(slot, async () => {
      expect(slot.held).toBe(1);
      line.calls.push('ask');
      return 'yes';
    });
    expect(answer).toBe('yes');
    expect(line.calls).toEqual(['pause', 'ask', 'resume']);
    expect(slot.held).toBe(0);
  });

  it('resumes only when the last of nested questions is answered, and after a failed one too', async () => {
    const slot = createLiveLineSlot();
    const line = recorder();
    slot.current = line;
    await expect(holdLiveLine(slot, () => holdLiveLine(slot, async () => { throw new Error('cancelled'); }))).rejects.toThrow('cancelled');
    expect(line.calls).toEqual(['pause', 'pause', 'resume']);
    expect(slot.held).toBe(0);
  });

  it('resumes the line made while the question was open, not the one it paused', async () => {
    const slot = createLiveLineSlot();
    const first = recorder();
    const second = recorder();
    slot.current = first;
    await holdLiveLine(slot, async () => { slot.current = second; });
    expect(first.calls).toEqual(['pause']);
    expect(second.calls).toEqual(['resume']);
  });

  it('just asks when there is no slot', async () => {
    expect(await holdLiveLine(undefined, async () => 42)).toBe(42);
  });
});
