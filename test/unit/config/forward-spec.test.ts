import { describe, expect, it } from 'vitest';
import { parseForwardSpec } from '../../../src/config/forward-spec.js';

describe('parseForwardSpec', () => {
  it.each([
    ['8888', 8888, 'localhost', 8888],
    ['9000:8888', 9000, 'localhost', 8888],
    ['9000:10.0.0.5:8888', 9000, '10.0.0.5', 8888],
    ['9000:node-7.cluster:22', 9000, 'node-7.cluster', 22],
    ['9000:[::1]:8888', 9000, '::1', 8888],
    [' 6006 ', 6006, 'localhost', 6006],
  ])('%j', (text, localPort, remoteHost, remotePort) => {
    expect(parseForwardSpec(text)).toMatchObject({ localPort, remoteHost, remotePort });
  });
  it.each(['', '0', '65536', 'http', '8888:', ':8888', '1:2:3:4', '9000:bad host:80', '9000:-x:80', '9000:h:0', '1e3', '-1', '9000:$(id):80'])('refuses %j', (text) => {
    expect(typeof parseForwardSpec(text)).toBe('string');
  });
});
