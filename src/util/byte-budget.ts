// A budget of bytes shared by concurrent workers: take() waits until the amount fits, give()
// returns it. A single amount larger than the whole budget still goes, alone. No sockets here.

export interface ByteBudget {
  take(bytes: number): Promise<void>;
  give(bytes: number): void;
  /** Bytes taken and not yet given back. */
  readonly used: number;
}

export function createByteBudget(limit: number): ByteBudget {
  let used = 0;
  const waiting: { bytes: number; go: () => void }[] = [];
  const fits = (bytes: number) => used === 0 || used + bytes <= limit;
  const wake = () => {
    // In order: a large amount is not overtaken forever by small ones.
    while (waiting.length && fits((waiting[0] as { bytes: number }).bytes)) {
      const next = waiting.shift() as { bytes: number; go: () => void };
      used += next.bytes;
      next.go();
    }
  };
  return {
    get used() {
      return used;
    },
    take(bytes) {
      if (!waiting.length && fits(bytes)) {
        used += bytes;
        return Promise.resolve();
      }
      return new Promise((go) => waiting.push({ bytes, go }));
    },
    give(bytes) {
      used = Math.max(0, used - bytes);
      wake();
    },
  };
}
