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
  /** Epoch seconds (with a fraction) when it started, by the server's clock; else meta.started's. */
  started?: number;
  /** Epoch seconds (with a fraction) when it ended, by the server's clock, if it did. */
  ended?: number;
  /** The project's remote_dir on the server (absolute); undefined for an older mtr's record. */
  project?: string;
  /** A batch job, one on a terminal (-d --tty, an attached run), or a persistent shell (--session). */
  kind?: JobKind;
  /** A job on a Slurm cluster: its Slurm job id, state and nodes, as last seen by the job. */
  slurm?: SlurmJobInfo;
}

export interface SlurmJobInfo {
  jobId: string;
  state: string;
  nodes: string;
}

export type JobKind = 'batch' | 'tty' | 'session';

export interface JobList {
  jobs: JobInfo[];
  /** The server's clock when it listed them (epoch seconds), for the duration of running jobs. */
  now?: number;
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

/** Epoch seconds as the server writes them (`1767225610` or `1767225610.123456789`), else undefined. */
export function parseEpoch(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  if (!trimmed || !/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
  // Milliseconds are what a Date holds: more digits would only be float noise.
  const [whole = '0', fraction = ''] = trimmed.split('.');
  return Number(whole) + Number(`0.${fraction.padEnd(3, '0').slice(0, 3)}`);
}

function parseRecord(record: string): JobInfo | undefined {
  const [name = '', metaText = '', state = '', ended = '', started = '', project = '', kindText = '', slurmText = ''] = record.split('\0');
  if (!name) return undefined;
  let meta: Partial<JobMeta> = {};
  try {
    meta = JSON.parse(metaText) as Partial<JobMeta>;
  } catch {
    // a damaged record still lists by name
  }
  const endedAt = parseEpoch(ended);
  const clientStart = meta.started ? Date.parse(meta.started) / 1000 : NaN;
  const startedAt = parseEpoch(started) ?? (Number.isNaN(clientStart) ? undefined : clientStart);
  return {
    name,
    meta,
    state: parseState(state.trim()),
    ...(startedAt === undefined ? {} : { started: startedAt }),
    ...(endedAt === undefined ? {} : { ended: endedAt }),
    ...(project ? { project } : {}),
    kind: kindText === 'tty' || kindText === 'session' ? kindText : meta.mode === 'interactive' ? 'tty' : 'batch',
    ...parseSlurm(slurmText),
  };
}

function parseSlurm(text: string): { slurm?: SlurmJobInfo } {
  const [jobId = '', state = '', nodes = ''] = text.trim().split(/\s+/);
  if (!/^[0-9]+$/.test(jobId)) return {};
  return { slurm: { jobId, state: state || 'PENDING', nodes: nodes === '(null)' ? '' : nodes } };
}

// The server's time first, then records separated by 0x1e, fields by NUL (see buildListScript).
export function parseJobList(output: Buffer | string): JobList {
  const text = typeof output === 'string' ? output : output.toString('utf8');
  const [head = '', ...records] = text.split('\x1e');
  const now = head.includes('\0') ? undefined : parseEpoch(head);
  const jobs = (head.includes('\0') ? [head, ...records] : records).map(parseRecord).filter((job): job is JobInfo => job !== undefined);
  // Newest first.
  jobs.sort((a, b) => (b.started ?? 0) - (a.started ?? 0));
  return { jobs, ...(now === undefined ? {} : { now }) };
}

// Records an older mtr wrote have no project: they belong to the one whose remote_dir holds their cwd.
export function inProject(job: JobInfo, anchoredRemoteDir: string): boolean {
  if (job.project !== undefined) return true;
  const cwd = job.meta.cwd;
  if (!cwd) return false;
  return anchoredRemoteDir === '~' ? cwd === '~' || cwd.startsWith('~/') : cwd === anchoredRemoteDir || cwd.startsWith(`${anchoredRemoteDir}/`);
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

export function jobDurationSeconds(job: JobInfo, nowSeconds: number): number | undefined {
  if (job.started === undefined) return undefined;
  const end = job.ended ?? nowSeconds;
  return Math.max(0, Math.round((end - job.started) * 1000) / 1000);
}

/** ISO time with milliseconds, or null. */
function isoTime(seconds: number | undefined): string | null {
  return seconds === undefined ? null : new Date(Math.round(seconds * 1000)).toISOString();
}

// Durations of running jobs by the server's clock when it said; else ours.
const nowOf = (list: JobList, nowMs: number): number => list.now ?? nowMs / 1000;

export function commandText(argv: readonly string[] | undefined): string {
  if (!argv?.length) return '?';
  return argv.length === 1 ? (argv[0] as string) : argv.map((a) => (/[\s'"$`\\]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

export function formatJobTable(list: JobList, nowMs: number): string {
  const { jobs } = list;
  if (!jobs.length) return 'no jobs\n';
  const now = nowOf(list, nowMs);
  const rows = jobs.map((job) => {
    const duration = jobDurationSeconds(job, now);
    const started = isoTime(job.started);
    return [
      job.name,
      describeState(job.state),
      started ? started.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '?',
      duration === undefined ? '?' : formatDuration(duration),
      commandText(job.meta.argv),
    ];
  });
  const header = ['NAME', 'STATE', 'STARTED', 'DURATION', 'COMMAND'];
  // Cluster jobs add what Slurm says: its job id, state and nodes.
  if (jobs.some((job) => job.slurm)) {
    header.splice(2, 0, 'SLURM');
    rows.forEach((row, index) => {
      const slurm = jobs[index]?.slurm;
      row.splice(2, 0, slurm ? [slurm.jobId, slurm.state, slurm.nodes].filter(Boolean).join(' ') : '-');
    });
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function jobsToJson(list: JobList, nowMs: number): string {
  return JSON.stringify(jobRecords(list, nowMs), null, 2) + '\n';
}

/** The --jobs --json records (one server's list). */
export function jobRecords(list: JobList, nowMs: number): Record<string, unknown>[] {
  const now = nowOf(list, nowMs);
  return list.jobs.map((job) => ({
    name: job.name,
    state: job.state.kind,
    exitCode: job.state.kind === 'exited' ? job.state.code : null,
    command: job.meta.argv ?? null,
    server: job.meta.server ?? null,
    project: job.project ?? null,
    cwd: job.meta.cwd ?? null,
    mode: job.meta.mode ?? null,
    kind: job.kind ?? 'batch',
    tty: (job.kind ?? 'batch') !== 'batch',
    started: isoTime(job.started),
    ended: isoTime(job.ended),
    durationSeconds: jobDurationSeconds(job, now) ?? null,
    slurm: job.slurm ? { jobId: Number(job.slurm.jobId), state: job.slurm.state, nodes: job.slurm.nodes || null } : null,
  }));
}
