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

/** The script run remotely: enter the project directory, load pre_cmd, run the command. */
export function buildRemoteScript(spec: RemoteCommandSpec): string {
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
    lines.push(`mtr_rc=$?; if [ "$mtr_rc" -ne 0 ]; then echo "mtr: pre_cmd failed with exit code $mtr_rc" >&2; exit "$mtr_rc"; fi`);
  }
  lines.push(commandLine(spec.argv));
  return lines.join('\n');
}

// sshd hands the line to the user's login shell; this launcher makes it POSIX whatever that shell is,
// and prefers bash so pre_cmd may use `source` and `conda activate`.
export function wrapForLoginShell(script: string): string {
  const launcher = 'if command -v bash >/dev/null 2>&1; then exec bash -c "$1" mtr; else exec /bin/sh -c "$1" mtr; fi';
  return `/bin/sh -c ${shellQuote(launcher)} mtr ${shellQuote(script)}`;
}

export function buildRemoteCommand(spec: RemoteCommandSpec): string {
  return wrapForLoginShell(buildRemoteScript(spec));
}
