// `mtr --doctor`, the pure half: the one remote probe script, what its answers mean, and the screen.
// Every check is a value; the command only gathers facts and prints what these functions make.
import type { SyncEngine } from '../config/types.js';
import { EXIT } from '../errors.js';
import { PRE_CMD_HINT, remotePathExpr } from '../remote/command.js';
import { shellQuote } from '../remote/shell-quote.js';
import { formatRsyncVersion, parseRsyncVersion } from '../sync/rsync/version.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

const MARK = 'mtr-doctor:';

// One exec answers every remote question. It runs under the shell jobs use (bash, else sh: see
// wrapForLoginShell), changes nothing (remote_dir is only looked at), and runs pre_cmd the way a
// job does, in remote_dir when it exists, with stdin closed.
export function buildDoctorProbe(remoteDir: string, preCmd: string | undefined, slurm?: { partition?: string }): string {
  const dir = remotePathExpr(remoteDir);
  const say = (key: string, value: string): string => `printf '%s %s\\n' ${shellQuote(MARK + key)} "${value}"`;
  const lines = [
    say('shell', '${BASH_VERSION:+bash $BASH_VERSION}'),
    say('login', '${SHELL:-unknown}'),
    `if command -v tmux >/dev/null 2>&1; then ${say('tmux', '$(tmux -V 2>&1)')}; else ${say('tmux', '-')}; fi`,
    `if command -v rsync >/dev/null 2>&1; then ${say('rsync', '$(rsync --version 2>&1 | head -n 1)')}; else ${say('rsync', '-')}; fi`,
    `mtr_d=${dir}`,
    // The nearest existing ancestor tells whether a missing remote_dir can be created by the first sync.
    'if [ -d "$mtr_d" ]; then if [ -w "$mtr_d" ]; then mtr_s=ok; else mtr_s=readonly; fi; else mtr_p="$mtr_d"; while [ ! -d "$mtr_p" ]; do mtr_p=$(dirname -- "$mtr_p"); done; if [ -w "$mtr_p" ]; then mtr_s=creatable; else mtr_s="blocked $mtr_p"; fi; fi',
    say('dir', '$mtr_s'),
  ];
  if (preCmd?.trim()) {
    lines.push(
      'cd "$mtr_d" 2>/dev/null',
      `mtr_o=$( { ${preCmd.trim()}\n} </dev/null 2>&1 ); mtr_rc=$?`,
      say('precmd', '$mtr_rc'),
      `printf '%s\\n' "$mtr_o" | tail -n 3 | sed 's/^/${MARK}precmd-out /'`,
    );
  }
  if (slurm) {
    // A cluster: the Slurm commands a run needs, found after pre_cmd (`module load slurm`), and the partition.
    const partition = slurm.partition === undefined ? '' : ` -p ${shellQuote(slurm.partition)}`;
    lines.push(
      `( ${preCmd?.trim() ? `{ ${preCmd.trim()}\n} </dev/null >/dev/null 2>&1; ` : ''}` +
        `m=; for t in srun sbatch squeue scancel; do command -v "$t" >/dev/null 2>&1 || m="$m $t"; done; ${say('slurm-missing', '${m# }')}; ` +
        `[ -n "$m" ] || ${say('slurm-partitions', `$(sinfo -h${partition} -o %P 2>/dev/null | tr '\\n' ' ')`)} )`,
    );
  }
  return lines.join('\n');
}

export interface ProbeAnswers {
  shell?: string;
  login?: string;
  tmux?: string;
  rsync?: string;
  dir?: string;
  precmd?: number;
  precmdOutput: string[];
  /** Slurm commands not found (space-separated; '' = all found); undefined when not asked. */
  slurmMissing?: string;
  /** Partitions sinfo lists (only the configured one when set). */
  slurmPartitions?: string;
}

export function parseDoctorProbe(stdout: string): ProbeAnswers {
  const answers: ProbeAnswers = { precmdOutput: [] };
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(MARK)) continue;
    const rest = line.slice(MARK.length);
    const space = rest.indexOf(' ');
    const key = space < 0 ? rest : rest.slice(0, space);
    const value = space < 0 ? '' : rest.slice(space + 1);
    if (key === 'precmd-out') answers.precmdOutput.push(value);
    else if (key === 'precmd') answers.precmd = Number(value);
    else if (key === 'slurm-missing') answers.slurmMissing = value.trim();
    else if (key === 'slurm-partitions') answers.slurmPartitions = value.trim();
    else if (key === 'shell' || key === 'login' || key === 'tmux' || key === 'rsync' || key === 'dir') answers[key] = value;
  }
  return answers;
}

export interface RemoteFacts {
  answers: ProbeAnswers;
  remoteDir: string;
  preCmd?: string;
  sync: SyncEngine;
  /** `rsync --version` first line here, when installed. */
  localRsync?: string;
  /** A Slurm server's `slurm:` (the partition is checked). */
  slurm?: { partition?: string };
}


export function remoteChecks(facts: RemoteFacts): Check[] {
  const { answers } = facts;
  const checks: Check[] = [];
  const shell = answers.shell ? answers.shell : 'sh (no bash on the server)';
  checks.push({ name: 'remote shell', status: 'pass', detail: `${shell}; login shell ${answers.login ?? 'unknown'}` });
  checks.push(
    answers.tmux && answers.tmux !== '-'
      ? { name: 'tmux', status: 'pass', detail: answers.tmux }
      : { name: 'tmux', status: 'fail', detail: 'not installed on the server: runs are not jobs (they end with the connection)', fix: 'install tmux on the server, e.g. `sudo apt install tmux`' },
  );
  checks.push(rsyncCheck(facts));
  checks.push(dirCheck(facts.remoteDir, answers.dir));
  checks.push(preCmdCheck(facts.preCmd, answers));
  if (facts.slurm) checks.push(slurmCheck(facts.slurm, answers));
  return checks;
}

function slurmCheck(slurm: { partition?: string }, answers: ProbeAnswers): Check {
  const fix = "install Slurm's client tools on the login node, or load them in pre_cmd (e.g. `module load slurm`)";
  if (answers.slurmMissing === undefined) return { name: 'slurm', status: 'fail', detail: 'no answer from the login node', fix };
  if (answers.slurmMissing) return { name: 'slurm', status: 'fail', detail: `not found on the login node: ${answers.slurmMissing}`, fix };
  const partitions = (answers.slurmPartitions ?? '').split(/\s+/).filter(Boolean).map((p) => p.replace(/\*$/, ''));
  if (slurm.partition === undefined) return { name: 'slurm', status: 'pass', detail: `srun and sbatch found; partitions: ${partitions.join(', ') || 'none listed'}` };
  if (partitions.length) return { name: 'slurm', status: 'pass', detail: `srun and sbatch found; partition ${slurm.partition} exists` };
  return { name: 'slurm', status: 'fail', detail: `partition ${slurm.partition} is not known to the cluster`, fix: 'pick one of `sinfo -s` on the login node for slurm.partition' };
}

function rsyncCheck(facts: RemoteFacts): Check {
  const answer = facts.answers.rsync && facts.answers.rsync !== '-' ? facts.answers.rsync : undefined;
  const version = answer === undefined ? undefined : parseRsyncVersion(answer);
  const remote = answer === undefined ? undefined : version ? formatRsyncVersion(version) : answer;
  if (facts.sync === 'sftp') return { name: 'rsync', status: 'pass', detail: 'not used (sync: sftp)' };
  const both = `${facts.localRsync ?? 'none'} here; ${remote ?? 'none'} on the server`;
  if (facts.localRsync && remote) return { name: 'rsync', status: 'pass', detail: both };
  const where = !facts.localRsync && !remote ? 'here and on the server' : !facts.localRsync ? 'here' : 'on the server';
  if (facts.sync === 'rsync') return { name: 'rsync', status: 'fail', detail: `${both} (sync: rsync)`, fix: `install rsync ${where}, or set sync: auto` };
  return { name: 'rsync', status: 'warn', detail: `${both}: syncing with SFTP`, fix: `install rsync ${where} for faster syncs` };
}

function dirCheck(remoteDir: string, answer: string | undefined): Check {
  if (answer === 'ok') return { name: 'remote_dir', status: 'pass', detail: `${remoteDir} exists and is writable` };
  if (answer === 'creatable') return { name: 'remote_dir', status: 'pass', detail: `${remoteDir} does not exist yet; the first sync creates it` };
  if (answer === 'readonly') return { name: 'remote_dir', status: 'fail', detail: `${remoteDir} is not writable`, fix: 'fix its permissions on the server, or choose another remote_dir' };
  const blocked = answer?.startsWith('blocked ') ? answer.slice('blocked '.length) : undefined;
  return {
    name: 'remote_dir',
    status: 'fail',
    detail: blocked ? `${remoteDir} cannot be created: ${blocked} is not writable` : `${remoteDir}: no answer from the server`,
    fix: 'choose a remote_dir under your home on the server',
  };
}

function preCmdCheck(preCmd: string | undefined, answers: ProbeAnswers): Check {
  if (!preCmd?.trim()) return { name: 'pre_cmd', status: 'pass', detail: 'none configured' };
  if (answers.precmd === 0) return { name: 'pre_cmd', status: 'pass', detail: 'runs and exits 0' };
  const said = answers.precmdOutput.filter(Boolean).join(' / ');
  const code = answers.precmd === undefined || Number.isNaN(answers.precmd) ? 'did not finish' : `exits ${answers.precmd}`;
  return { name: 'pre_cmd', status: 'fail', detail: `${code}${said ? `: ${said}` : ''}`, fix: PRE_CMD_HINT };
}

const SYMBOL: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗' };

export function formatDoctorReport(title: string, checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = [title];
  for (const check of checks) {
    lines.push(`  ${SYMBOL[check.status]} ${check.name.padEnd(width)}  ${check.detail}`);
    if (check.fix && check.status !== 'pass') lines.push(`  ${' '.repeat(width + 4)}fix: ${check.fix}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  lines.push(failed ? `${failed} check${failed === 1 ? '' : 's'} failed` : 'all checks passed');
  return `${lines.join('\n')}\n`;
}

export function doctorExitCode(checks: readonly Check[]): number {
  return checks.some((c) => c.status === 'fail') ? EXIT.failed : EXIT.ok;
}
