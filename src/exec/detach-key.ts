// The detach key: Ctrl+] then d. Ctrl+] alone still reaches the program (vim uses it): it is held
// until the next byte, or for `holdMs`, then forwarded.
export const DETACH_PREFIX = 0x1d; // Ctrl+]
export const DETACH_KEY = 'Ctrl+] then d';

export interface DetachFilter {
  /** Bytes to forward now, and whether the user asked to detach. */
  feed(chunk: Buffer): { forward: Buffer; detach: boolean };
}

export function createDetachFilter(onFlush: (held: Buffer) => void, holdMs = 400): DetachFilter {
  let held = false;
  let timer: NodeJS.Timeout | undefined;
  const release = () => {
    held = false;
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return {
    feed(chunk) {
      const out: number[] = [];
      for (const byte of chunk) {
        if (held) {
          release();
          if (byte === 0x64 /* d */ || byte === 0x44 /* D */) return { forward: Buffer.from(out), detach: true };
          out.push(DETACH_PREFIX);
          if (byte === DETACH_PREFIX) {
            held = true;
            continue;
          }
          out.push(byte);
        } else if (byte === DETACH_PREFIX) {
          held = true;
        } else {
          out.push(byte);
        }
      }
      if (held) {
        timer = setTimeout(() => {
          release();
          onFlush(Buffer.from([DETACH_PREFIX]));
        }, holdMs);
      }
      return { forward: Buffer.from(out), detach: false };
    },
  };
}
