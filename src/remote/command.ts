import { joinRemotePath, remotePathExpr } from './remote-path.js';
import { shellJoin, shellQuote } from './shell-quote.js';

export { remotePathExpr };

export interface RemoteCommandSpec {
  /** remote_dir: `~`, `~/…` and relative paths start at the remote home (see remote-path.ts). */
  remoteDir: string;
  /** The cwd relative to the project root, POSIX separators ('' for the root itself). */
  subdir: string;
  preCmd?: string;
  /** Local argv after mtr's own options. */
  argv: readonly string[];
  /** Extra exports placed before pre_cmd (sshd drops the exec `env` request). */
  env?: Readonly<Record<string, string>>;
}

/** The remote folder of the cwd: remote_dir plus the cwd's place in the project, anchored. */
export function joinRemoteDir(remoteDir: string, subdir: string): string {
  // `./`: a project folder named `~` or `/…`-like is still a folder below remote_dir.
  return joinRemotePath(remoteDir, subdir ? `./${subdir}` : '');
}

// One word is the user's own shell line (`mtr "make && ./run | tee log"`); several words are an argv
// that must arrive unchanged, so each is quoted.
export function commandLine(argv: readonly string[]): string {
  if (argv.length === 1) return argv[0] as string;
  return shellJoin(argv);
}

/** Exit code of a run whose pre_cmd failed (the command never ran): like `env`/`timeout`/`docker run`, 125. */
export const PRE_CMD_FAILED = 125;

/** The common causes of a failing pre_cmd, shown under the failure (and by `mtr --doctor`). */
export const PRE_CMD_HINT =
  "pre_cmd runs in a non-interactive, non-login shell where ~/.bashrc usually returns early, so PATH lacks what it adds: use full paths, or for conda `eval \"$(conda shell.bash hook)\" && conda activate ENV`";

/** The script run remotely: enter the project directory, load pre_cmd, run the command. */
export function buildRemoteScript(spec: RemoteCommandSpec): string {
  return `${buildSetupScript(spec)}\n${commandLine(spec.argv)}`;
}

/** The command's surroundings without the command: cd, exports, pre_cmd (its failure exits 125). A session's shell runs it once. */
export function buildSetupScript(spec: Omit<RemoteCommandSpec, 'argv'>): string {
  const dir = remotePathExpr(joinRemoteDir(spec.remoteDir, spec.subdir));
  const lines = [
    `cd ${dir} 2>/dev/null || { mkdir -p ${dir} && cd ${dir}; } || { echo "mtr: cannot enter remote directory "${dir} >&2; exit 1; }`,
  ];
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    lines.push(`export ${key}=${shellQuote(value)}`);
  }
  if (spec.preCmd?.trim()) {
    // Newline-separated and unbraced so `conda activate`/`export` in pre_cmd affect the command.
    lines.push(spec.preCmd.trim());
    lines.push(
      `mtr_rc=$?; if [ "$mtr_rc" -ne 0 ]; then printf '%s\n' "mtr: pre_cmd failed (exit $mtr_rc), so the command did not run" ${shellQuote(`  fix: ${PRE_CMD_HINT}; \`mtr --doctor\` checks it`)} >&2; exit ${PRE_CMD_FAILED}; fi`,
    );
  }
  return lines.join('\n');
}

// sshd hands the line to the user's login shell; this launcher makes it POSIX whatever that shell is,
// and prefers bash so pre_cmd may use `source` and `conda activate`.
export function wrapForLoginShell(script: string): string {
  // `eval` under `-c` with $0 the shell's own name: errors read `bash: x: command not found`, as with ssh.
  const launcher = `if command -v bash >/dev/null 2>&1; then exec bash -c 'eval "$1"' bash "$1"; else exec /bin/sh -c 'eval "$1"' sh "$1"; fi`;
  return `/bin/sh -c ${shellQuote(launcher)} mtr ${shellQuote(script)}`;
}

export function buildRemoteCommand(spec: RemoteCommandSpec): string {
  return wrapForLoginShell(buildRemoteScript(spec));
}
