import { describe, expect, it } from 'vitest';
import type { Link } from '../../../src/watch/link.js';
import { isDrop, linkOf, nextLinkState, type LinkEvent, type LinkState } from '../../../src/watch/link-supervisor.js';

// Links are compared by identity only: plain objects stand in for them.
const a = { home: 'a' } as unknown as Link;
const b = { home: 'b' } as unknown as Link;

const down: LinkState = { kind: 'down' };
const upA: LinkState = { kind: 'up', link: a };
const stoppingA: LinkState = { kind: 'stopping', link: a };
const stopping: LinkState = { kind: 'stopping' };
const closed: LinkState = { kind: 'closed' };

describe('nextLinkState', () => {
  it.each<[string, LinkState, LinkEvent, LinkState]>([
    ['attached: up', down, { kind: 'attached', link: a }, upA],
    ['the current link drops: down (a reconnect is due)', upA, { kind: 'dropped', link: a }, down],
    ['an old link closing late changes nothing', { kind: 'up', link: b }, { kind: 'dropped', link: a }, { kind: 'up', link: b }],
    ['a drop while down changes nothing', down, { kind: 'dropped', link: a }, down],
    ['stop keeps the link for the last stop of the command', upA, { kind: 'stop' }, stoppingA],
    ['stop while down', down, { kind: 'stop' }, stopping],
    ['a drop while stopping loses the link, never reconnects', stoppingA, { kind: 'dropped', link: a }, stopping],
    ['attached while stopping (connect finished late): kept until close', stopping, { kind: 'attached', link: a }, stoppingA],
    ['attached after close: not kept', closed, { kind: 'attached', link: a }, closed],
    ['stop after close changes nothing', closed, { kind: 'stop' }, closed],
    ['close from up', upA, { kind: 'close' }, closed],
    ['close from stopping', stoppingA, { kind: 'close' }, closed],
  ])('%s', (_name, state, event, expected) => {
    expect(nextLinkState(state, event)).toEqual(expected);
  });

  it('only up → down is a drop', () => {
    expect(isDrop(upA, down)).toBe(true);
    expect(isDrop(stoppingA, stopping)).toBe(false);
    expect(isDrop(down, down)).toBe(false);
    expect(isDrop(upA, upA)).toBe(false);
  });

  it('the link is usable while up or stopping with one', () => {
    expect([down, upA, stoppingA, stopping, closed].map(linkOf)).toEqual([undefined, a, a, undefined, undefined]);
  });
});
