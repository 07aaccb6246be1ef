import type { Context } from '../context.js';
import { runBatch } from '../exec/batch.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import { buildStreamScript } from '../remote/job-stream-script.js';
import type { Host } from '../host/types.js';

export interface FollowOptions {
  /** At a terminal: say first that keys do not reach the job. */
  atTerminal: boolean;
  /** Said on stderr when the link drops before the job ended. */
  lostMessage: string;
}

// `--attach` to a job whose output goes to files (batch or detached): stream it from the start
// as it grows; resolves with the job's code (130 / 143 when the user stopped watching). Ctrl+C / SIGTERM stop watching, never the job: it has
// no terminal to share, and stopping it is `--kill`'s work.
export async function followJob(ctx: Context, connection: Host, name: string, options: FollowOptions): Promise<number> {
  let stoppedBy: StopSignal | undefined;
  const removeSignals = onStopSignals((signal) => {
    stoppedBy ??= signal;
    connection.close();
  });
  try {
    if (options.atTerminal) {
      ctx.stderr.write(`mtr: job ${name} runs without a terminal: showing its output (Ctrl+C stops watching, not the job)\n`);
    }
    const { code } = await runBatch(connection, buildStreamScript(name, { exitWithJob: true }), ctx, {
      lostMessage: options.lostMessage,
      holdStdin: true,
      closedOnPurpose: () => stoppedBy !== undefined,
    });
    if (stoppedBy) {
      // After the terminal's `^C` echo, on a line of its own.
      const lead = options.atTerminal ? '\n' : '';
      ctx.stderr.write(`${lead}mtr: stopped watching job ${name}; it goes on. Stop it with \`mtr --kill ${name}\`\n`);
      return SIGNAL_EXIT[stoppedBy];
    }
    return code;
  } finally {
    removeSignals();
  }
}
