import os from 'node:os';

// How a remote ending maps to our exit status: the code itself, 128+n for a signal, null when the
// link dropped before the server said how the command ended.
export function exitStatusFrom(code: number | null | undefined, signal: string | null | undefined): number | null {
  if (typeof code === 'number') return code;
  if (signal) {
    const name = (signal.startsWith('SIG') ? signal : `SIG${signal}`) as keyof typeof os.constants.signals;
    const number = os.constants.signals[name];
    return 128 + (typeof number === 'number' ? number : 0);
  }
  return null;
}
