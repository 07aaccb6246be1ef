import type { JobAnswer, JobsResult } from '../commands/results.js';
import type { JobOutput } from '../commands/job-output.js';
import { ConnectionError, formatError } from '../errors.js';
import type { SyncStats } from '../sync/types.js';

// The commands' results as tool results: structuredContent, the same as JSON text (for clients
// that read only `content`), and failures as `isError` with the line and fix the CLI prints. Pure.

type Record = { [key: string]: unknown };

export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record;
  isError?: boolean;
}

export function toolResult(record: Record): ToolResult {
  return { structuredContent: record, content: [{ type: 'text', text: JSON.stringify(record) }] };
}

// The CLI's formatter: `mtr: <message>` and `  fix: <hint>` (an unexpected error says "please report").
export function toolError(error: unknown, debug = false): ToolResult {
  const { text } = formatError(error, debug);
  return { isError: true, content: [{ type: 'text', text: text.trimEnd() }] };
}

/** The one server's answer of a job command; a streamed answer means its link dropped. */
export function answerOf(result: JobsResult): { answer: JobAnswer; code: number; server: string } {
  const host = result.hosts[0];
  if (!host?.answer || host.answer.kind === 'streamed') {
    throw new ConnectionError(host?.failure ?? `${result.label}: the connection dropped; a job goes on on the server`, 'call the tool again (the connection is opened afresh)');
  }
  return { answer: host.answer, code: host.code, server: host.name };
}

export function syncRecord(stats: SyncStats): Record {
  return { engine: stats.engine, filesSent: stats.filesSent, bytesSent: stats.bytesSent, seconds: Math.round(stats.ms) / 1000, filesTotal: stats.filesTotal, deleted: stats.deleted };
}

export function outputRecord(output: JobOutput): Record {
  return {
    stdout: output.stdout.bytes.toString('utf8'),
    stderr: output.stderr.bytes.toString('utf8'),
    truncated: output.stdout.truncated || output.stderr.truncated,
    nextOffset: output.stdout.nextOffset,
    nextStderrOffset: output.stderr.nextOffset,
  };
}
