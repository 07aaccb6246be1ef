import { describe, expect, it } from 'vitest';
import { MUX_C_ALIVE_CHECK, MUX_MSG_HELLO, MUX_S_ALIVE, aliveCheckRequest, aliveVerdict, readMessages } from '../../../src/ssh/mux-protocol.js';

const message = (...words: number[]): Buffer => {
  const body = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => body.writeUInt32BE(w >>> 0, i * 4));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
};

describe('aliveCheckRequest', () => {
  it('is a version-4 hello followed by an alive check carrying the request id', () => {
    expect(aliveCheckRequest(7)).toEqual(Buffer.concat([message(MUX_MSG_HELLO, 4), message(MUX_C_ALIVE_CHECK, 7)]));
  });
});

describe('readMessages', () => {
  it('splits complete messages and keeps an incomplete tail', () => {
    const whole = Buffer.concat([message(MUX_MSG_HELLO, 4), message(MUX_S_ALIVE, 1, 4242)]);
    const cut = whole.subarray(0, whole.length - 3);
    const { messages, rest } = readMessages(cut);
    expect(messages.map((m) => m.type)).toEqual([MUX_MSG_HELLO]);
    expect(rest.length).toBe(cut.length - 12);
    const all = readMessages(whole);
    expect(all.messages.map((m) => m.type)).toEqual([MUX_MSG_HELLO, MUX_S_ALIVE]);
    expect(all.messages[1]!.body.readUInt32BE(4)).toBe(4242);
    expect(all.rest.length).toBe(0);
  });
});

describe('aliveVerdict', () => {
  const hello = { type: MUX_MSG_HELLO, body: Buffer.from([0, 0, 0, 4]) };
  const alive = (id: number) => ({ type: MUX_S_ALIVE, body: message(id, 99).subarray(4) });
  it.each([
    ['nothing yet', [], 'pending'],
    ['only the hello', [hello], 'pending'],
    ['hello then alive for our request', [hello, alive(1)], 'alive'],
    ['alive for another request', [hello, alive(2)], 'dead'],
    ['something else first', [{ type: MUX_S_ALIVE, body: Buffer.alloc(8) }], 'dead'],
    ['hello then an unexpected reply', [hello, { type: 0x80000003, body: Buffer.alloc(8) }], 'dead'],
  ] as const)('%s → %s', (_name, messages, verdict) => {
    expect(aliveVerdict(messages, 1)).toBe(verdict);
  });
});
