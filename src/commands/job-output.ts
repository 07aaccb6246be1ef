import type { Context } from '../context.js';
import { ConnectionError, SyncError, UsageError } from '../errors.js';
import type { Host } from '../host/types.js';
import { unknownJob } from '../jobs/remote.js';
import type { JobsPlan } from '../plan/types.js';
import { buildReadOutputScript, parseReadOutput, type OutputRead, type OutputStream } from '../remote/job-output-script.js';
import { entryJobName } from '../remote/job-name.js';
import { buildFindJobScript } from '../remote/job-ops-script.js';
import { HeadTail, utf8Boundary } from '../util/head-tail.js';
import { openLogger } from './logger.js';
import { connectSession, openSession, type Session } from './session.js';

// A job's output read by offset, for a client that polls it (the MCP `output` tool): each stream's
// bytes after the offset it has seen (at most maxBytes), or its last lines, or all of it bounded
// (head and tail, as --logs --json); and the offset to ask from next time.

export interface OutputRequest {
  /** stdout from this byte on. */
  sinceOffset?: number;
  /** stderr from this byte on; without it stderr is read as a whole (or its tail). */
  sinceStderrOffset?: number;
  tailLines?: number;
  maxBytes: number;
}

export interface StreamSlice {
  bytes: Buffer;
  /** More was logged than returned (the middle dropped, or bytes after the slice). */
  truncated: boolean;
  /** Where the next read of this stream starts to get only what is new. */
  nextOffset: number;
}

export interface JobOutput {
  name: string;
  server: string;
  stdout: StreamSlice;
  stderr: StreamSlice;
}

export async function readJobOutput(ctx: Context, plan: JobsPlan, request: OutputRequest): Promise<JobOutput> {
  if (plan.op.kind !== 'logs') throw new Error(`readJobOutput takes a logs plan, got ${plan.op.kind}`);
  if (request.tailLines !== undefined && (request.sinceOffset !== undefined || request.sinceStderrOffset !== undefined)) {
    throw new UsageError('tailLines and an offset cannot be combined', 'ask for the last lines, or for what is new since an offset');
  }
  const session = openSession(plan.hosts[0] as JobsPlan['hosts'][number], plan.projectRoot, openLogger(plan.log, ctx));
  const connection = await connectSession(session, ctx);
  try {
    const name = await findJob(connection, session, plan.op.name);
    const readOf = (offset: number | undefined): OutputRead =>
      offset !== undefined ? { kind: 'since', offset, maxBytes: request.maxBytes } : request.tailLines !== undefined ? { kind: 'tail', lines: request.tailLines } : { kind: 'all' };
    const [stdout, stderr] = await Promise.all([
      readSlice(connection, name, 'out', readOf(request.sinceOffset), request.maxBytes),
      readSlice(connection, name, 'err', readOf(request.sinceStderrOffset), request.maxBytes),
    ]);
    return { name, server: session.server.name, stdout, stderr };
  } finally {
    connection.close();
  }
}

// NAME itself, else the job a fan-out started here as NAME-<this server> (as the job commands do).
async function findJob(connection: Host, session: Session, asked: string): Promise<string> {
  const found = await connection.capture(buildFindJobScript([asked, entryJobName(asked, session.server.name)]));
  if (found.code === null) throw new ConnectionError(`the connection dropped while looking up job ${asked}`);
  if (found.code !== 0) throw await unknownJob(connection, asked, session.server.name, { project: session.server.remoteDir });
  return found.stdout.toString('utf8').trim();
}

async function readSlice(connection: Host, name: string, stream: OutputStream, read: OutputRead, maxBytes: number): Promise<StreamSlice> {
  const result = await connection.capture(buildReadOutputScript(name, stream, read));
  if (result.code === null) throw new ConnectionError(`the connection dropped while reading the output of job ${name}`);
  const parsed = result.code === 0 ? parseReadOutput(result.stdout) : undefined;
  if (!parsed) {
    throw new SyncError(`could not read the output of job ${name}: ${result.stderr.toString('utf8').trim() || `exit ${result.code}`}`, `check ~/.mtr/jobs/${name}/${stream} on the server`);
  }
  if (read.kind === 'since') {
    // A slice may end inside a UTF-8 character: the next read starts where that character does.
    const length = utf8Boundary(parsed.bytes, parsed.bytes.length);
    const nextOffset = Math.min(read.offset, parsed.size) + length;
    return { bytes: parsed.bytes.subarray(0, length), truncated: nextOffset < parsed.size, nextOffset };
  }
  const kept = new HeadTail(maxBytes);
  kept.push(parsed.bytes);
  const bounded = kept.result();
  return { bytes: bounded.bytes, truncated: bounded.truncated, nextOffset: parsed.size };
}
