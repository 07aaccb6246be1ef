import type { Context } from '../context.js';
import { runBatch } from '../exec/batch.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import type { Host } from '../host/types.js';
import { startSpecOf } from '../plan/start-spec.js';
import type { JobPlan, SessionCommandPlan } from '../plan/types.js';
import { buildSessionRunScript } from '../remote/session-run-script.js';
import { buildSessionSignalScript } from '../remote/session-script.js';
import { EXIT } from '../errors.js';
import type { BatchBounds, BatchEnd } from './launch.js';
import { timeoutNotice } from './job-timeout.js';
import type { Session } from './session.js';

// `mtr --session NAME cmd…` once synced: one exec starts the shell if needed, hands it the command
// and streams that command's output; the exit code is the command's. Ctrl+C / SIGTERM stop the
// command (a C-c typed into the pane), never the shell; a second
// one stops waiting (the command goes on). A dropped link leaves the session running. --timeout
// stops the command the same way, then SIGTERM and SIGKILL to the terminal's foreground program
// (kill_grace apart); --json collects its output (bounds, as for a batch run).
export async function runSessionCommand(ctx: Context, connection: Host, session: Session, job: JobPlan, command: SessionCommandPlan, bounds: BatchBounds = {}): Promise<BatchEnd> {
  let stoppedBy: StopSignal | undefined;
  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];
  if (bounds.timeoutSeconds !== undefined) {
    const grace = (session.server.killGrace ?? 5) * 1000;
    const signal = (which: 'INT' | 'TERM' | 'KILL') => void connection.capture(buildSessionSignalScript(command.name, which)).catch(() => connection.close());
    timers.push(
      setTimeout(() => {
        timedOut = true;
        session.logger.debug(`--timeout ${bounds.timeoutSeconds} s: stopping the command of session ${command.name}`);
        signal('INT');
        timers.push(setTimeout(() => signal('TERM'), grace), setTimeout(() => signal('KILL'), 2 * grace));
      }, bounds.timeoutSeconds * 1000),
    );
  }
  const removeSignals = onStopSignals((signal) => {
    if (stoppedBy) return connection.close();
    stoppedBy = signal;
    session.logger.debug(`${signal}: stopping the command of session ${command.name}`);
    // Both are a C-c in the pane: bash abandons the rest of the command line only for a job that
    // died of SIGINT (after a TERM it would go on with the next command of the line).
    connection.capture(buildSessionSignalScript(command.name, 'INT')).catch(() => connection.close());
  });
  try {
    const script = buildSessionRunScript(startSpecOf(job, new Date()), command.commandId, command.commandLine, command.stdinIsData);
    const streams: Context = bounds.output ? { ...ctx, stdout: bounds.output.stdout, stderr: bounds.output.stderr } : ctx;
    const result = await runBatch(connection, script, streams, {
      lostMessage: `connection lost; session ${command.name} goes on on the server: \`mtr --attach ${command.name}\``,
      holdStdin: !command.stdinIsData,
    });
    if (timedOut) {
      ctx.stderr.write(timeoutNotice(command.name, bounds.timeoutSeconds ?? 0));
      return { code: EXIT.timeout, state: 'timeout' };
    }
    // The command's own code, but 143 for our SIGTERM (its record says 130: it got a C-c).
    if (stoppedBy) return { code: stoppedBy === 'SIGTERM' && result.code === SIGNAL_EXIT.SIGINT ? SIGNAL_EXIT.SIGTERM : result.code, state: 'stopped' };
    return { code: result.code, state: 'ended' };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    removeSignals();
  }
}
