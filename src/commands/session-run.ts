import type { Context } from '../context.js';
import { runBatch } from '../exec/batch.js';
import { SIGNAL_EXIT, onStopSignals, type StopSignal } from '../exec/signals.js';
import type { Host } from '../host/types.js';
import { startSpecOf } from '../jobs/start-spec.js';
import type { JobPlan, SessionCommandPlan } from '../plan/types.js';
import { buildSessionRunScript } from '../remote/session-run-script.js';
import { buildSessionSignalScript } from '../remote/session-script.js';
import type { Session } from './session.js';

// `mtr --session NAME cmd…` once synced: one exec starts the shell if needed, hands it the command
// and streams that command's output; the exit code is the command's. Ctrl+C / SIGTERM stop the
// command (a C-c typed into the pane), never the shell; a second
// one stops waiting (the command goes on). A dropped link leaves the session running.
export async function runSessionCommand(ctx: Context, connection: Host, session: Session, job: JobPlan, command: SessionCommandPlan): Promise<number> {
  let stoppedBy: StopSignal | undefined;
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
    const result = await runBatch(connection, script, ctx, {
      lostMessage: `connection lost; session ${command.name} goes on on the server: \`mtr --attach ${command.name}\``,
      holdStdin: !command.stdinIsData,
    });
    // The command's own code, but 143 for our SIGTERM (its record says 130: it got a C-c).
    return stoppedBy === 'SIGTERM' && result.code === SIGNAL_EXIT.SIGINT ? SIGNAL_EXIT.SIGTERM : result.code;
  } finally {
    removeSignals();
  }
}
