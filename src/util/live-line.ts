// The one line a spinner redraws is shared with the prompts mtr may ask on the same terminal (host
// key, passphrase). A prompt holds the line: the spinner stops and clears first, so the question
// shows whole and the answer is typed on a quiet screen; then the spinner comes back below it.

export interface LiveLine {
  pause(): void;
  resume(): void;
}

export interface LiveLineSlot {
  current: LiveLine | undefined;
  /** Prompts holding the line now: a spinner made meanwhile starts paused (progress.ts). */
  held: number;
}

export function createLiveLineSlot(): LiveLineSlot {
  return { current: undefined, held: 0 };
}

/**
 * Runs `ask` with any spinner on the slot stopped, and restarts the one current afterwards (a
 * sync step may have made a new one while the question was open: it waited, paused).
 */
export async function holdLiveLine<T>(slot: LiveLineSlot | undefined, ask: () => Promise<T>): Promise<T> {
  if (!slot) return ask();
  slot.held++;
  slot.current?.pause();
  try {
    return await ask();
  } finally {
    slot.held--;
    if (slot.held === 0) slot.current?.resume();
  }
}
