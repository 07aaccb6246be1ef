import { z } from 'zod';
import { MAX_COUNT, MAX_TIMEOUT_SECONDS } from '../options.js';

// Each tool's arguments and result as zod shapes (the SDK turns them into the JSON Schemas that
// tools/list announces, and checks every call's arguments and every result against them). The
// names are the interface of issue 16: clients are written against them. Fields beyond the table
// are optional extras, described where they are declared.

const count = () => z.number().int().min(0).max(MAX_COUNT);
const seconds = () => z.number().positive().max(MAX_TIMEOUT_SECONDS);
const server = z.string().min(1).optional().describe('a server of .mtr/config.yaml (default: `mtr --mcp -s NAME`, else the config\'s default)');
const name = z.string().min(1).describe('the job\'s name');
const command = z
  .union([z.string().min(1), z.array(z.string()).min(1)])
  .describe('a shell line ("make && ./run | tee log"), or an argv array (["python3", "train.py", "--epochs", "3"])');
const sync = z.boolean().optional().describe('sync the project before (default true)');
const tty = z.boolean().optional().describe('run on a terminal (a tmux pane, 120x40): send, keys and screen then work; stdout and stderr are merged');
const nullableCode = z.number().int().nullable();
const slurmJobId = () => z.number().int().optional().describe('on a Slurm server (one with `slurm:`): the job id sbatch gave');

export const inputShapes = {
  run: {
    command,
    server,
    timeoutSeconds: seconds().optional().describe('how long to wait for the job, counted from its start (after the sync; default 120); past it the result says state "running" and the job goes on'),
    sync,
    tty,
    name: name.optional().describe('name the job (default: project + short id)'),
  },
  start: { command, name: name.optional().describe('name the job (default: project + short id)'), tty, server, sync },
  jobs: { server, allProjects: z.boolean().optional().describe('every project\'s jobs on the server, not only this one\'s') },
  output: {
    name,
    tailLines: count().optional().describe('only the last n lines of each stream'),
    sinceOffset: count().optional().describe('stdout from this byte on (a nextOffset from an earlier call): only what is new'),
    sinceStderrOffset: count().optional().describe('stderr from this byte on (a nextStderrOffset from an earlier call)'),
    server,
  },
  wait: {
    name,
    pattern: z.string().optional().describe('a regular expression: return as soon as a line of the output matches'),
    timeoutSeconds: seconds().describe('give up after this long (state "timeout"; the job goes on)'),
    server,
  },
  send: { name, text: z.string().describe('typed literally into the job\'s terminal'), enter: z.boolean().optional().describe('press Enter after it (default true)'), server },
  keys: { name, keys: z.array(z.string()).min(1).describe('key names: C-c, C-d, C-z, Enter, Escape, Tab, Up, Down, Left, Right, BSpace, F1…F12, …'), server },
  screen: { name, lines: count().optional().describe('also this many lines of history'), server },
  kill: { name, server },
  sync: { server },
  get: {
    remote: z.string().min(1).describe('a file or folder, relative to the server\'s remote_dir'),
    to: z.string().min(1).optional().describe('the local folder to put it in (relative to the folder `mtr --mcp` runs in; default: download_dir, else there)'),
    server,
    sync,
  },
} as const;

const syncFields = {
  engine: z.string().describe('rsync or sftp'),
  filesSent: z.number(),
  bytesSent: z.number(),
  seconds: z.number(),
  filesTotal: z.number().optional().describe('files in the project (the ones considered)'),
  deleted: z.number().optional().describe('files deleted on the server (delete: true)'),
};
const syncRecord = z.object(syncFields).nullable();

export const outputShapes = {
  run: {
    name: z.string(),
    server: z.string(),
    state: z.enum(['ended', 'running']),
    exitCode: nullableCode.describe('the job\'s exit code (128+n: signal n); null while it runs'),
    stdout: z.string(),
    stderr: z.string(),
    truncated: z.boolean().describe('stdout or stderr kept only its head and tail; the rest is in logs'),
    logs: z.object({ stdout: z.string(), stderr: z.string() }).optional().describe('where the whole output stays on the server'),
    sync: syncRecord.optional().describe('the sync before the run; null without one'),
    slurmJobId: slurmJobId(),
  },
  start: { name: z.string(), server: z.string(), state: z.string(), slurmJobId: slurmJobId() },
  jobs: { jobs: z.array(z.record(z.unknown())).describe('as `mtr --jobs --json`') },
  output: {
    name: z.string().optional().describe('the job read (NAME, or NAME-<server> of a fan-out run)'),
    stdout: z.string(),
    stderr: z.string(),
    truncated: z.boolean(),
    nextOffset: z.number().int().describe('stdout\'s size so far (or the end of the slice read): pass it as sinceOffset next time'),
    nextStderrOffset: z.number().int().optional().describe('the same for stderr (sinceStderrOffset)'),
  },
  wait: { name: z.string(), state: z.string(), exitCode: nullableCode, matched: z.boolean(), line: z.string().nullable() },
  send: { name: z.string(), state: z.string() },
  keys: { name: z.string(), state: z.string() },
  screen: { name: z.string(), text: z.string() },
  kill: { name: z.string(), state: z.string().describe('ended (before the kill), stopped, or unstarted'), exitCode: nullableCode },
  sync: syncFields,
  get: { files: z.number(), bytes: z.number(), path: z.string() },
} as const;

export type ToolName = keyof typeof inputShapes;
export const TOOL_NAMES = Object.keys(inputShapes) as ToolName[];
export type ToolArgs<T extends ToolName> = z.infer<z.ZodObject<(typeof inputShapes)[T]>>;
