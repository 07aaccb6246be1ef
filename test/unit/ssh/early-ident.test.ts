import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLIENT_IDENT, identLine, sendIdentEarly } from '../../../src/ssh/early-ident.js';

// A socket that records what is written to it.
function fakeSocket() {
  const written: string[] = [];
  const socket = {
    write(chunk: Buffer | string) {
      written.push(Buffer.from(chunk).toString('latin1'));
      return true;
    },
  };
  return { socket: socket as unknown as net.Socket, written };
}

describe('sendIdentEarly', () => {
  it("writes the identification line at once and swallows ssh2's identical copy of it", () => {
    const { socket, written } = fakeSocket();
    sendIdentEarly(socket);
    expect(written).toEqual([`SSH-2.0-${CLIENT_IDENT}\r\n`]);
    socket.write(identLine());
    socket.write(Buffer.from('packet'));
    expect(written).toEqual([`SSH-2.0-${CLIENT_IDENT}\r\n`, 'packet']);
  });

  it('lets a first write that is anything else through (only the exact line is a duplicate)', () => {
    const { socket, written } = fakeSocket();
    sendIdentEarly(socket, 'other_1');
    socket.write(identLine('mtr_9'));
    socket.write(identLine('other_1'));
    expect(written).toEqual(['SSH-2.0-other_1\r\n', 'SSH-2.0-mtr_9\r\n', 'SSH-2.0-other_1\r\n']);
  });

  it('names mtr and its version, with no space or dash (RFC 4253 softwareversion)', () => {
    expect(CLIENT_IDENT).toMatch(/^mtr_[0-9A-Za-z._]+$/);
  });
});
