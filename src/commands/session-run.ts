import type { Context } from '../context.js';
import { runBatch } from '../exec/batch.js';
import { onStopSignals, type StopSignal } from '../exec/signals.js';
import type { Host } from '../host/types.js';
import { startSpecOf } from '../jobs/start-spec.js';
import type { JobPlan, SessionCommandPlan } from '../plan/types.js';
import { buildSessionRunScript } from '../remote/session-run-script.js';
import { buildSessionSignalScript } from '../remote/session-script.js';
import type { Session } from './session.js';

// `mtr --session NAME cmd…` once synced: one exec starts the shell if needed, hands it the command
// and streams that command's output; the exit code is the command's. Ctrl+C / SIGTERM stop the
// command (a C-c typed into the pane, a TERM to its foreground group), never the shell; a second
// one stops waiting (the command goes on). A dropped link leaves the session running.
export async function runSessionCommand(ctx: Context, connection: Host, session: Session, job: JobPlan, command: SessionCommandPlan): Promise<number> {
  let stoppedBy: StopSignal | undefined;
  const removeSignals = onStopSignals((signal) => {
    if (stoppedBy) return connection.close();
    stoppedBy = signal;
    session.logger.debug(`${signal}: stopping the command of session ${command.name}`);
    connection.capture(buildSessionSignalScript(command.name, signal === 'SIGINT' ? 'INT' : 'TERM')).catch(() => connection.close());
  });
  try {
    const script = buildSessionRunScript(startSpecOf(job, new Date()), command.commandId, command.commandLine, command.stdinIsData);
    const result = await runBatch(connection, script, ctx, {
      lostMessage: `connection lost; session ${command.name} goes on on the server: \`mtr --attach ${command.name}\``,
      holdStdin: !command.stdinIsData,
    });
    return result.code;
  } finally {
    removeSignals();
  }
}
