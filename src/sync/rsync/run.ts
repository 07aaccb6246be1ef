// Spawns rsync: the only process-starting module of the rsync engine. rsync either rides mtr's open
// connection through the relay (rsync/relay.ts, rsync/tunnel.ts: no second handshake, no sshpass) or
// runs its own ssh (through sshpass for password logins), e.g. over a shared master. Everything it
// runs is built by the pure modules beside it.
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { ConnectionError, EXIT, MtrError, UsageError } from '../../errors.js';
import { exitStatusFrom } from '../../util/exit-status.js';
import type { HostExec } from '../../host/types.js';
import type { Logger } from '../../log.js';
import { shellJoin } from '../../remote/shell-quote.js';
import type { SshTarget } from '../../ssh/target.js';
import { buildRsyncArgs, buildRsyncPullArgs, type PullKind, type RsyncArgsInput, type RsyncInvocation } from './args.js';
import { takeKeptReport, type KeptReport } from '../plan/conflicts.js';
import { describeRsyncExit } from './errors.js';
import type { RsyncGuard } from './guard.js';
import { relayRshCommand } from './relay.js';
import { openTunnel, type Tunnel, type TunnelEnds } from './tunnel.js';
import { createProgressParser, type RsyncProgressUpdate, type RsyncSummary } from './progress.js';
import { detectLocalRsync, progressModeFor, type RsyncVersion } from './version.js';
import { bracketHost, buildSshArgs } from '../../ssh/openssh-args.js';
import { sshCommandString } from './ssh-command.js';

export interface RunRsyncOptions {
  root: string;
  /** NUL-separated exclude rules for exactly what the walk left out (file-list.ts toRsyncExcludeList). */
  excludeList: Buffer;
  remoteDir: string;
  target: SshTarget;
  homedir: string;
  onProgress?: (progress: RsyncProgressUpdate) => void;
  signal?: AbortSignal;
  log?: Logger;
  /** Base environment for rsync/ssh; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** No terminal for ssh to ask on (BatchMode); default true. */
  batch?: boolean;
  dryRun?: boolean;
  /** Skips detection (tests, or a caller that already detected it). */
  version?: RsyncVersion;
  /** Extra rsync flags, e.g. `--bwlimit=…` to make a test transfer slow. */
  extraArgs?: readonly string[];
  /** rsync --timeout: both ends send keepalives while idle and give up after this much silence. */
  ioTimeoutSeconds?: number;
  /** Stops the remote rsync once it reads nothing (a dead link), so it removes its temp file. */
  remoteGuard?: RsyncGuard;
  /** Each regular file sent, by name (its bytes); rsync >= 3 only (rsync/args.ts `itemizeNames`). */
  onSentFile?: (name: Buffer) => void;
  /** `excludeList` is instead the list of files to compare by checksum (rsync/args.ts `recheck`). */
  recheck?: boolean;
  /** Compare mtimes to the nanosecond, when this rsync can (rsync/args.ts `nanosecondWindow`). */
  nanosecondWindow?: boolean;
  /** Keep the server's own edits it would replace (rsync/args.ts `keepServerEdits`). */
  keepServerEdits?: RsyncArgsInput['keepServerEdits'];
  /** What the server kept (conflicts.ts), whether rsync then succeeded or not. */
  onKept?: (report: KeptReport) => void;
  /**
   * mtr's open connection: rsync's remote side runs on it (GNU rsync only). Without it, or when the
   * relay cannot start (an rsync that closes inherited descriptors), rsync runs its own ssh.
   */
  tunnel?: HostExec;
}

const STDERR_TAIL_BYTES = 16 * 1024;
const KILL_GRACE_MS = 3000;
// Variables that would change how rsync treats our arguments, or leak a password nobody configured.
const STRIPPED_ENV = ['RSYNC_OLD_ARGS', 'RSYNC_PROTECT_ARGS', 'RSYNC_RSH', 'RSYNC_CONNECT_PROG', 'SSHPASS'];

export function childEnv(base: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of STRIPPED_ENV) delete env[name];
  return { ...env, ...extra };
}

export async function runRsync(options: RunRsyncOptions): Promise<RsyncSummary> {
  return execute({ ...options, cwd: options.root }, options.excludeList, (common) =>
    buildRsyncArgs({
      ...common,
      root: options.root,
      remoteDir: options.remoteDir,
      dryRun: options.dryRun,
      extraArgs: options.extraArgs,
      ioTimeoutSeconds: options.ioTimeoutSeconds,
      remoteGuard: options.remoteGuard,
      itemizeNames: options.onSentFile !== undefined,
      recheck: options.recheck,
      nanosecondWindow: options.nanosecondWindow,
      keepServerEdits: options.keepServerEdits,
    }),
  );
}

export interface RunRsyncPullOptions extends Omit<RunRsyncOptions, 'root' | 'excludeList' | 'remoteDir' | 'dryRun'> {
  /** Resolved remote path (absolute, `~`, `~/…`, or relative to the login directory). */
  remotePath: string;
  kind: PullKind;
  /** Absolute local path the file or directory becomes (its parent exists). */
  localTarget: string;
}

/** `--get` with rsync: the remote file or directory becomes `localTarget`. */
export async function runRsyncPull(options: RunRsyncPullOptions): Promise<RsyncSummary> {
  return execute(options, Buffer.alloc(0), (common) =>
    buildRsyncPullArgs({ ...common, remotePath: options.remotePath, kind: options.kind, localTarget: options.localTarget, extraArgs: options.extraArgs }),
  );
}

type CommonArgs = Pick<RsyncArgsInput, 'target' | 'sshCommand' | 'progress' | 'version' | 'tunnel'>;
type CommonOptions = Omit<RunRsyncOptions, 'root' | 'excludeList' | 'remoteDir'> & { cwd?: string };

// Runs one rsync invocation: through the relay when a tunnel is given (again with rsync's own ssh
// if the relay never started), progress parsed from stdout, exit status turned into one error.
async function execute(options: CommonOptions, input: Buffer, build: (common: CommonArgs) => RsyncInvocation): Promise<RsyncSummary> {
  const env = options.env ?? process.env;
  const version = options.version ?? (await detectLocalRsync({ env }));
  if (!version) {
    throw new UsageError('rsync is not installed on this machine', 'install rsync (apt install rsync / brew install rsync) or set `sync: sftp`');
  }
  const progress = progressModeFor(version);
  const tunnel = version.openrsync ? undefined : options.tunnel;
  const invocation = (viaTunnel: boolean) =>
    build({
      target: options.target,
      sshCommand: viaTunnel
        ? relayRshCommand()
        : sshCommandString(buildSshArgs(options.target, { homedir: options.homedir, batch: options.batch ?? true }), version.openrsync ? 'openrsync' : 'rsync'),
      progress,
      version,
      tunnel: viaTunnel,
    });
  options.log?.addSecret(options.target.password);
  const where = `${options.target.user}@${bracketHost(options.target.host)}:${options.target.port}`;
  const attempt = async (viaTunnel: boolean) => {
    const built = invocation(viaTunnel);
    options.log?.debug(`sync: ${built.command} ${shellJoin(built.args)}`);
    const parser = progress === 'none' ? undefined : createProgressParser(progress, options.onSentFile ? { onSentFile: options.onSentFile } : {});
    const ended = await spawnRsync(built, input, { ...options, env }, viaTunnel ? tunnel : undefined, (text) => {
      for (const update of parser?.push(text) ?? []) options.onProgress?.(update);
    });
    for (const update of parser?.end() ?? []) options.onProgress?.(update);
    return { built, ended, parser };
  };
  let run = await attempt(Boolean(tunnel));
  if (tunnel && run.ended.tunnelStarted === false && run.ended.code !== 0) {
    options.log?.debug('sync: the rsync relay did not start; running rsync with its own ssh');
    run = await attempt(false);
  }
  const { report, rest } = takeKeptReport(run.ended.stderr);
  if (report) options.onKept?.(report);
  if (run.ended.linkLost && run.ended.code !== 0) {
    throw new ConnectionError(`the connection to ${where} dropped during the transfer (rsync)`, 'run again: rsync renames only complete files into place');
  }
  const error = describeRsyncExit(run.ended.code, rest, run.built.command, where);
  if (error) throw error;
  return run.parser?.summary() ?? { filesSent: 0, bytesSent: 0 };
}

interface Ended {
  code: number;
  stderr: string;
  /** With a tunnel: whether the relay asked for the remote command. */
  tunnelStarted?: boolean;
  /** With a tunnel: the connection dropped while rsync ran. */
  linkLost?: boolean;
}

function spawnRsync(
  invocation: RsyncInvocation,
  input: Buffer,
  options: CommonOptions & { env: NodeJS.ProcessEnv },
  tunnelClient: HostExec | undefined,
  onStdout: (text: string) => void,
): Promise<Ended> {
  const { signal, log } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(interrupted(signal));
    const child = spawn(invocation.command, invocation.args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: childEnv(options.env, invocation.env),
      // fds 3 and 4 reach the relay through rsync (rsync/relay.ts).
      stdio: tunnelClient ? ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
    });
    const tunnel: Tunnel | undefined = tunnelClient
      ? openTunnel(tunnelClient, { data: child.stdio[3] as TunnelEnds['data'], status: child.stdio[4] as TunnelEnds['status'] }, log)
      : undefined;
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    const decoder = new StringDecoder('utf8');
    const onAbort = () => {
      tunnel?.close();
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => onStdout(decoder.write(chunk)));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log?.debug(`rsync stderr: ${text.trimEnd()}`);
      stderr = (stderr + text).slice(-STDERR_TAIL_BYTES);
    });
    // rsync may exit before reading the whole list (bad login): that EPIPE is reported by the exit code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.on('error', (error: NodeJS.ErrnoException) => {
      signal?.removeEventListener('abort', onAbort);
      tunnel?.close();
      reject(spawnFailure(invocation.command, error));
    });
    // 'close' waits for every descriptor: once rsync is gone, end the relay's too.
    child.on('exit', () => tunnel?.close());
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      onStdout(decoder.end());
      tunnel?.close();
      if (signal?.aborted) return reject(interrupted(signal));
      // The remote side's messages (ssh would have put them on rsync's stderr) come first.
      const remote = tunnel?.stderr() ?? '';
      resolve({ code: exitStatusFrom(code, sig) ?? 1, stderr: (remote + stderr).slice(-STDERR_TAIL_BYTES), ...(tunnel ? { tunnelStarted: tunnel.started, linkLost: tunnel.linkLost } : {}) });
    });
  });
}

function interrupted(signal: AbortSignal): MtrError {
  if (signal.reason instanceof MtrError) return signal.reason;
  return new MtrError('sync was interrupted', { exitCode: EXIT.sigint, cause: signal.reason });
}

function spawnFailure(command: string, error: NodeJS.ErrnoException): MtrError {
  if (error.code === 'ENOENT' && command === 'sshpass') {
    return new UsageError(
      'password login with the rsync engine needs sshpass, which is not installed',
      'install sshpass (apt install sshpass / brew install hudochenkov/sshpass/sshpass), use key_filename, or set `sync: sftp`',
      error,
    );
  }
  if (error.code === 'ENOENT') return new UsageError(`${command} is not installed on this machine`, 'install rsync or set `sync: sftp`', error);
  return new MtrError(`could not start ${command}: ${error.message}`, { exitCode: EXIT.transport, cause: error });
}
