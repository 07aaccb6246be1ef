// The one line a spinner redraws is shared with the prompts mtr may ask on the same terminal (host
// key, passphrase). A prompt holds the line: the spinner stops and clears first, so the question
// shows whole and the answer is typed on a quiet screen; then the spinner comes back below it.

export interface LiveLine {
  pause(): void;
  resume(): void;
}

export interface LiveLineSlot {
  current: LiveLine | undefined;
}

export function createLiveLineSlot(): LiveLineSlot {
  return { current: undefined };
}

/** Runs `ask` with any spinner on the slot stopped, and restarts it afterwards. */
export async function holdLiveLine<T>(slot: LiveLineSlot | undefined, ask: () => Promise<T>): Promise<T> {
  const live = slot?.current;
  live?.pause();
  try {
    return await ask();
  } finally {
    live?.resume();
  }
}
