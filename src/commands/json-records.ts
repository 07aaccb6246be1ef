import os from 'node:os';
import type { GetResult, HostResult, JobAnswer, JobHostResult, RunResult } from './results.js';
import { jobRecords } from '../jobs/meta.js';
import type { Bounded } from '../util/head-tail.js';

// --json: the one document each action prints on stdout (README, "JSON results"). Pure: the
// commands' results in, plain objects out. Several servers: `{hosts: [record…], exitCode}`.

type Record = { [key: string]: unknown };

/** Where a job's full output stays on the server (remote/job-paths.ts). */
export function jobLogPaths(name: string): { stdout: string; stderr: string } {
  return { stdout: `~/.mtr/jobs/${name}/out`, stderr: `~/.mtr/jobs/${name}/err` };
}

// 128+n is "killed by signal n" (as a shell reports it); other codes name no signal.
export function signalOf(code: number): string | null {
  if (code <= 128 || code > 128 + 64) return null;
  const found = Object.entries(os.constants.signals).find(([, number]) => number === code - 128);
  return found ? found[0] : null;
}

const text = (bounded: Bounded): string => bounded.bytes.toString('utf8');

function failed(host: HostResult): Record {
  return { server: host.name, state: 'failed', exitCode: host.code, error: host.failure ?? null };
}

/** One host's run: the full record, or `{name, server, state}` for a detached job. */
export function runRecord(host: HostResult): Record {
  const run = host.run;
  if (!run) return failed(host);
  if (run.state === 'running') return { name: run.job, server: host.name, state: 'running', ...(run.slurmJobId === undefined ? {} : { slurmJobId: run.slurmJobId }) };
  const out = run.output;
  return {
    name: run.job,
    server: host.name,
    state: run.slurmState ?? run.state,
    exitCode: host.code,
    signal: signalOf(host.code),
    durationSeconds: Math.round(host.ms) / 1000,
    stdout: out ? text(out.stdout) : '',
    stderr: out ? text(out.stderr) : '',
    truncated: Boolean(out && (out.stdout.truncated || out.stderr.truncated)),
    logs: jobLogPaths(run.job),
    sync: run.sync ? { engine: run.sync.engine, filesSent: run.sync.filesSent, bytesSent: run.sync.bytesSent, seconds: Math.round(run.sync.ms) / 1000 } : null,
  };
}

export function runDocument(result: RunResult, fanOut: boolean): Record {
  if (!fanOut) return runRecord(result.hosts[0] as HostResult);
  return { hosts: result.hosts.map(runRecord), exitCode: result.exitCode };
}

/** One server's answer to a job command (--jobs is printed by jobsToJson instead). */
export function answerRecord(answer: JobAnswer, code: number): Record {
  switch (answer.kind) {
    case 'matched':
      return { name: answer.name, state: 'running', exitCode: code, matched: true, line: answer.line };
    case 'unmatched':
      return { name: answer.name, state: 'ended', exitCode: code, matched: false, line: null };
    case 'ended':
      return { name: answer.name, state: 'ended', exitCode: code, matched: false, line: null };
    case 'timed-out':
      return { name: answer.name, state: 'timeout', exitCode: code, matched: false, line: null };
    case 'logs':
      return { name: answer.name, stdout: text(answer.stdout), stderr: text(answer.stderr), truncated: answer.stdout.truncated || answer.stderr.truncated };
    case 'screen':
      return { name: answer.name, text: answer.text };
    case 'sent':
      return { name: answer.name, state: 'running' };
    case 'killed':
      return { name: answer.name, state: answer.outcome.kind };
    case 'list':
      return { jobs: jobRecords(answer.list, answer.listedAt) };
    case 'streamed':
      return { exitCode: code };
  }
}

export function jobsDocument(hosts: readonly JobHostResult[], fanOut: boolean, exitCode: number): Record {
  const record = (host: JobHostResult): Record => (host.answer ? answerRecord(host.answer, host.code) : failed(host));
  if (!fanOut) return record(hosts[0] as JobHostResult);
  return { hosts: hosts.map((host) => (host.answer ? { ...record(host), server: host.name } : failed(host))), exitCode };
}

export function getDocument(result: GetResult): Record {
  const download = result.download;
  return download ? { files: download.files, bytes: download.bytes, path: download.localPath } : { exitCode: result.exitCode };
}

export function formatJson(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
