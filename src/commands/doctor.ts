import path from 'node:path';
import type { Context } from '../context.js';
import { doctorExitCode, buildDoctorProbe, parseDoctorProbe, remoteChecks, type Check } from '../doctor/checks.js';
import { CancelledError, MtrError, formatError } from '../errors.js';
import type { GlobalOptions } from '../options.js';
import { wrapForLoginShell } from '../remote/command.js';
import { planHost, planLog } from '../plan/host-plan.js';
import { openLogger } from './logger.js';
import { readPlanInputs } from './plan-inputs.js';
import type { DoctorResult } from './results.js';
import { connectSession, loadProject, openSession, type Session } from './session.js';

export interface DoctorOptions extends GlobalOptions {
  server?: string;
}

// A failure's one-line message and fix, as the user would see them from a real run.
function failed(name: string, error: unknown, debug: boolean): Check {
  if (!(error instanceof MtrError)) return { name, status: 'fail', detail: formatError(error, debug).text.trim() };
  return { name, status: 'fail', detail: error.message.split('\n').join('; '), ...(error.hint ? { fix: error.hint } : {}) };
}

// `mtr --doctor`: one screen of checks for the chosen server, each with a fix; exit 0 only when all
// pass. It stops at the first check the others depend on (config, then the connection).
export async function runDoctor(ctx: Context, options: DoctorOptions): Promise<DoctorResult> {
  const checks: Check[] = [];
  const report = (title: string): DoctorResult => ({ exitCode: doctorExitCode(checks), title, checks });
  let session: Session;
  try {
    const config = await loadProject(ctx);
    const { selectServer } = await import('../config/select.js');
    const selected = selectServer(config, { flag: options.server, env: ctx.env });
    const { server } = selected;
    const inputs = readPlanInputs(ctx, options);
    session = openSession(planHost(selected, inputs, options), config.projectRoot, openLogger(planLog(options, config.projectRoot, inputs), ctx));
    const where = path.relative(ctx.cwd, config.configPath) || config.configPath;
    checks.push({ name: 'config', status: 'pass', detail: `${where}: ${config.serverNames.length} server${config.serverNames.length === 1 ? '' : 's'}, checking ${server.name}` });
  } catch (error) {
    checks.push(failed('config', error, options.debug));
    return report('mtr doctor');
  }
  const { target, server } = session;
  const title = `mtr doctor: server ${server.name}`;
  const address = `${target.user}@${target.host}:${target.port}`;
  let connection;
  try {
    connection = await connectSession(session, ctx);
    checks.push({ name: 'connection', status: 'pass', detail: `${address}: logged in, host key trusted${connection.shared ? ' (shared connection)' : ''}` });
  } catch (error) {
    // Ctrl+C at the host-key or passphrase question is the user stopping the doctor, not a finding.
    if (error instanceof CancelledError) throw error;
    checks.push(failed('connection', error, options.debug));
    return report(title);
  }
  try {
    const probe = await connection.capture(wrapForLoginShell(buildDoctorProbe(server.remoteDir, server.preCmd, server.slurm)));
    if (probe.code === null) {
      checks.push({ name: 'remote shell', status: 'fail', detail: 'the connection dropped during the checks', fix: 'run `mtr --doctor` again' });
      return report(title);
    }
    const { detectLocalRsync, formatRsyncVersion } = await import('../sync/rsync/version.js');
    const local = await detectLocalRsync({ env: ctx.env });
    checks.push(
      ...remoteChecks({
        answers: parseDoctorProbe(probe.stdout.toString('utf8')),
        remoteDir: server.remoteDir,
        ...(server.preCmd ? { preCmd: server.preCmd } : {}),
        sync: server.sync,
        ...(local ? { localRsync: formatRsyncVersion(local) } : {}),
        ...(server.slurm ? { slurm: server.slurm } : {}),
      }),
    );
  } finally {
    connection.close();
  }
  return report(title);
}
