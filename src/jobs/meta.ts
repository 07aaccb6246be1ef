// The job record mtr writes at start (meta.json) and what `--jobs` reads back.

export interface JobMeta {
  name: string;
  /** The command as typed (argv). */
  argv: string[];
  server: string;
  /** Remote working directory. */
  cwd: string;
  /** ISO time the job was started (client clock). */
  started: string;
  mode: 'batch' | 'interactive' | 'detached';
}

export type JobState = { kind: 'running' } | { kind: 'exited'; code: number } | { kind: 'lost' };

export interface JobInfo {
  name: string;
  meta: Partial<JobMeta>;
  state: JobState;
  /** Epoch seconds when it ended, if it did. */
  ended?: number;
}

export function buildJobMeta(meta: JobMeta): string {
  return JSON.stringify(meta);
}

function parseState(text: string): JobState {
  if (text === 'running') return { kind: 'running' };
  const code = Number.parseInt(text, 10);
  if (Number.isInteger(code)) return { kind: 'exited', code };
  return { kind: 'lost' };
}

// Records are separated by 0x1e, fields by NUL (see buildListScript).
export function parseJobList(output: Buffer | string): JobInfo[] {
  const text = typeof output === 'string' ? output : output.toString('utf8');
  const jobs: JobInfo[] = [];
  for (const record of text.split('\x1e')) {
    if (!record) continue;
    const [name = '', metaText = '', state = '', ended = ''] = record.split('\0');
    if (!name) continue;
    let meta: Partial<JobMeta> = {};
    try {
      meta = JSON.parse(metaText) as Partial<JobMeta>;
    } catch {
      // a damaged record still lists by name
    }
    const endedNumber = Number.parseInt(ended, 10);
    jobs.push({ name, meta, state: parseState(state.trim()), ...(Number.isInteger(endedNumber) ? { ended: endedNumber } : {}) });
  }
  // Newest first.
  return jobs.sort((a, b) => (b.meta.started ?? '').localeCompare(a.meta.started ?? ''));
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

export function describeState(state: JobState): string {
  if (state.kind === 'exited') return `exited ${state.code}`;
  return state.kind;
}

export function jobDurationSeconds(job: JobInfo, nowMs: number): number | undefined {
  if (!job.meta.started) return undefined;
  const start = Date.parse(job.meta.started) / 1000;
  const end = job.ended ?? nowMs / 1000;
  return Math.max(0, end - start);
}

export function commandText(argv: readonly string[] | undefined): string {
  if (!argv?.length) return '?';
  return argv.length === 1 ? (argv[0] as string) : argv.map((a) => (/[\s'"$`\\]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

export function formatJobTable(jobs: JobInfo[], nowMs: number): string {
  if (!jobs.length) return 'no jobs\n';
  const rows = jobs.map((job) => {
    const duration = jobDurationSeconds(job, nowMs);
    return [
      job.name,
      describeState(job.state),
      job.meta.started ? job.meta.started.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '?',
      duration === undefined ? '?' : formatDuration(duration),
      commandText(job.meta.argv),
    ];
  });
  const header = ['NAME', 'STATE', 'STARTED', 'DURATION', 'COMMAND'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function jobsToJson(jobs: JobInfo[], nowMs: number): string {
  return (
    JSON.stringify(
      jobs.map((job) => ({
        name: job.name,
        state: job.state.kind,
        exitCode: job.state.kind === 'exited' ? job.state.code : null,
        command: job.meta.argv ?? null,
        server: job.meta.server ?? null,
        cwd: job.meta.cwd ?? null,
        started: job.meta.started ?? null,
        ended: job.ended !== undefined ? new Date(job.ended * 1000).toISOString() : null,
        durationSeconds: jobDurationSeconds(job, nowMs) ?? null,
      })),
      null,
      2,
    ) + '\n'
  );
}
