import path from 'node:path';
import { formatFanOutSummary } from '../commands/fanout-summary.js';
import type { GetPreview, RunPreview, WatchPreview } from '../commands/dry-run.js';
import type { DoctorResult, GetResult, JobAnswer, JobsResult, RunResult, WatchResult } from '../commands/results.js';
import type { Context } from '../context.js';
import { formatDoctorReport } from '../doctor/checks.js';
import { describeKillOutcome } from '../jobs/kill-outcome.js';
import { formatJobTable, jobsToJson } from '../jobs/meta.js';
import type { GetPlan, JobsPlan, RunPlan, WatchPlan } from '../plan/types.js';
import { formatBytes } from '../ui/progress.js';
import { plural } from '../util/words.js';
import { formatJson, getDocument, jobsDocument, runDocument } from '../commands/json-records.js';
import { formatGetPreview, formatRunPreview, formatWatchPreview } from './plan-text.js';

// The CLI's side of the commands' results: what mtr itself says, on stdout (names, lists, reports)
// or stderr (notes, summaries). Each returns the exit code to end with.

/** Each line of `text` after `prefix` (a fan-out host's `[name] `). */
export function prefixLines(text: string, prefix: string): string {
  if (!prefix || !text) return text;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => `${prefix}${line}\n`).join('');
}

/** --dry-run: the plan; a deletion the guard refuses ends it as the command would (exit 2). */
export function printDryRun(ctx: Context, plan: RunPlan, preview: RunPreview): number {
  ctx.stdout.write(formatRunPreview(plan, preview.hosts));
  if (preview.refusal) throw preview.refusal;
  return 0;
}

export function printGetDryRun(ctx: Context, plan: GetPlan, preview: GetPreview): number {
  ctx.stdout.write(formatGetPreview(plan, preview));
  if (preview.refusal) throw preview.refusal;
  return 0;
}

export function printWatchDryRun(ctx: Context, plan: WatchPlan, preview: WatchPreview): number {
  ctx.stdout.write(formatWatchPreview(plan, preview));
  if (preview.refusal) throw preview.refusal;
  return 0;
}

// --detach prints the job's name alone on stdout (once for all hosts, when any started it); a
// fan-out ends with one line per host when something failed (or with -v).
export function printRun(ctx: Context, plan: RunPlan, result: RunResult): number {
  if (plan.json) {
    ctx.stdout.write(formatJson(runDocument(result, plan.fanOut !== undefined)));
    if (plan.fanOut && (plan.verbose || result.hosts.some((h) => h.code !== 0))) ctx.stderr.write(formatFanOutSummary(`job ${result.job}`, result.hosts));
    return result.exitCode;
  }
  if (result.detached && result.hosts.some((h) => h.code === 0)) ctx.stdout.write(`${result.job}\n`);
  if (plan.fanOut && (plan.verbose || result.hosts.some((h) => h.code !== 0))) ctx.stderr.write(formatFanOutSummary(`job ${result.job}`, result.hosts));
  return result.exitCode;
}

function printAnswer(ctx: Context, plan: JobsPlan, answer: JobAnswer, prefix: string): void {
  switch (answer.kind) {
    case 'list': {
      const json = plan.op.kind === 'list' && plan.op.json;
      ctx.stdout.write(prefixLines(json ? jobsToJson(answer.list, answer.listedAt) : formatJobTable(answer.list, answer.listedAt), prefix));
      return;
    }
    case 'ended':
    case 'logs':
      return;
    case 'matched':
      ctx.stdout.write(prefixLines(`${answer.line}\n`, prefix));
      return;
    case 'unmatched':
      ctx.stderr.write(prefixLines(`mtr: job ${answer.name} ended (exit ${answer.status}) before its output matched /${answer.pattern}/\n`, prefix));
      return;
    case 'timed-out':
      ctx.stderr.write(prefixLines(`mtr: timed out after ${answer.seconds} s waiting for job ${answer.name} (it goes on)\n`, prefix));
      return;
    case 'killed':
      ctx.stderr.write(prefixLines(`mtr: ${describeKillOutcome(answer.name, answer.outcome)}\n`, prefix));
      return;
    case 'sent':
      return;
    case 'screen':
      ctx.stdout.write(prefixLines(answer.text, prefix));
      return;
    case 'streamed':
      return;
  }
}

export function printJobs(ctx: Context, plan: JobsPlan, result: JobsResult): number {
  // --jobs --json on one server: the array itself (as it always was).
  if (plan.json && (plan.op.kind !== 'list' || result.fanOut)) {
    if (result.hosts.some((h) => h.answer) || result.fanOut) ctx.stdout.write(formatJson(jobsDocument(result.hosts, result.fanOut, result.exitCode)));
    if (result.fanOut && result.exitCode !== 0) ctx.stderr.write(formatFanOutSummary(result.label, result.hosts));
    return result.exitCode;
  }
  for (const host of result.hosts) {
    if (host.answer) printAnswer(ctx, plan, host.answer, result.fanOut ? `[${host.name}] ` : '');
  }
  if (result.fanOut && result.exitCode !== 0) ctx.stderr.write(formatFanOutSummary(result.label, result.hosts));
  return result.exitCode;
}

export function printGet(ctx: Context, plan: GetPlan, result: GetResult): number {
  if (plan.json) {
    if (result.download) ctx.stdout.write(formatJson(getDocument(result)));
    return result.exitCode;
  }
  if (result.download && !plan.quiet) {
    const shown = path.relative(ctx.cwd, result.download.localPath) || '.';
    ctx.stderr.write(`mtr: downloaded ${plural(result.download.files, 'file')} (${formatBytes(result.download.bytes)}) to ${shown}\n`);
  }
  return result.exitCode;
}

export function printWatch(ctx: Context, result: WatchResult): number {
  if (result.abandoned) ctx.stderr.write('\nmtr: stopped without waiting; the command may still run on the server (`mtr --jobs`)\n');
  return result.exitCode;
}

export function printDoctor(ctx: Context, result: DoctorResult): number {
  ctx.stdout.write(formatDoctorReport(result.title, result.checks));
  return result.exitCode;
}

export function printInit(ctx: Context, written: string): number {
  const shown = path.relative(ctx.cwd, written) || written;
  ctx.stderr.write(`mtr: wrote ${shown}; fill in your server, then try \`mtr --dry-run echo hello\`\n`);
  return 0;
}

export function printDisconnect(ctx: Context, closed: number): number {
  ctx.stderr.write(`mtr: closed ${plural(closed, 'shared connection')}\n`);
  return 0;
}

export function printWords(ctx: Context, words: readonly string[]): number {
  if (words.length) ctx.stdout.write(`${words.join('\n')}\n`);
  return 0;
}
