import { expect, it } from 'vitest';
import { buildSpareHolderArgs, buildSpareRemoteLine, encodeSpareLine, SPARE_READY, SPARE_STALE, spareLinkPath, spareSeconds, sparesEnabled } from '../../../src/ssh/spare-plan.js';

it.each([
  ['true', 'true\n'],
  ['a\nb', 'a\\nb\n'],
  ['printf "x\\n"', 'printf "x\\\\n"\n'],
  ['\\c stays', '\\\\c stays\n'],
])('encodeSpareLine(%j) is one line for printf %%b', (line, encoded) => {
  expect(encodeSpareLine(line)).toBe(encoded);
  expect(encodeSpareLine(line).slice(0, -1)).not.toContain('\n');
});

it('the link sits beside the socket; a spare waits half the idle time, at least 1 s', () => {
  expect(spareLinkPath('/run/mtr/abc.sock')).toBe('/run/mtr/abc.spare');
  expect([spareSeconds(600), spareSeconds(1), spareSeconds(0)]).toEqual([300, 1, 1]);
});

it('MTR_SPARE=0 turns spares off; anything else leaves them on', () => {
  expect([sparesEnabled({ MTR_SPARE: '0' }), sparesEnabled({}), sparesEnabled({ MTR_SPARE: '1' })]).toEqual([false, true, true]);
});

it('the markers are distinct and cannot be typed by accident', () => {
  expect(SPARE_READY).not.toBe(SPARE_STALE);
  expect(SPARE_READY).toMatch(/^\x1e.*\x1f$/);
});

it('the remote line is a list (bash would exec a lone command and lower SHLVL) handed to /bin/sh', () => {
  expect(buildSpareRemoteLine()).toMatch(/^\/bin\/sh -c '.*' sh; exit$/s);
});

it('the holder runs the mux ssh through the given socket, with the lifetime in whole seconds', () => {
  const args = buildSpareHolderArgs('/run/mtr/k.sock', '/run/mtr/k.spare-1', '/run/mtr/k.spare', 299.6);
  expect(args.slice(2, 7)).toEqual(['mtr-spare', '/run/mtr/k.spare-1', '/run/mtr/k.spare', '300', 'ssh']);
  expect(args).toContain('ControlPath=/run/mtr/k.sock');
  expect(args.at(-1)).toBe(buildSpareRemoteLine());
});
