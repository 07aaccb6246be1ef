import { shellQuote } from '../remote/shell-quote.js';
import { buildMuxExecArgs } from './control.js';

// A spare channel: one command's channel through the shared master, opened ahead (by the run
// before) with its remote shell already waiting for the command line. A command through a master
// costs two round trips (channel open, then exec); on a spare it costs one (the line, then its
// output). The holder is a small local /bin/sh that keeps the channel's pipes as FIFOs in a private
// folder beside the master's socket, so the next mtr can claim them. Pure builders.

/** What the spare's shell prints when it runs the line it was given. */
export const SPARE_READY = '\x1emtr+\x1f';
/** What it prints when it will not (a startup file changed since it started): nothing ran. */
export const SPARE_STALE = '\x1emtr-\x1f';

// The files a command's shell reads when sshd starts it (`$SHELL -c`, ~/.ssh/rc, pam_env). A spare's
// shell read them when it started; an edit since then makes it stale, and the command takes a new
// channel instead, which reads them again.
export const STARTUP_FILES = [
  '"$HOME"/.bashrc',
  '"$HOME"/.bash_aliases',
  '"$HOME"/.zshenv',
  '"$HOME"/.config/fish/config.fish',
  '"$HOME"/.ssh/rc',
  '"$HOME"/.ssh/environment',
  '/etc/bash.bashrc',
  '/etc/zsh/zshenv',
  '/etc/zshenv',
  '/etc/ssh/sshrc',
  '/etc/environment',
];

const octal = (text: string): string => [...text].map((c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`).join('');

// The spare's remote side, in /bin/sh whatever the login shell is: note the startup files, wait for
// one line, say ready (or stale and stop), then run the line as sshd's `$SHELL -c` would have (mtr's
// lines are POSIX). The line's stdin is the channel's, after the line: sh's `read` takes no byte more.
export function buildSpareRemoteBody(): string {
  const fingerprint = `cksum ${STARTUP_FILES.join(' ')} 2>/dev/null`;
  return [
    `mtr_f=$(${fingerprint})`,
    'IFS= read -r mtr_l || exit 0',
    `[ "$(${fingerprint})" = "$mtr_f" ] || { printf '${octal(SPARE_STALE)}'; exit 0; }`,
    `printf '${octal(SPARE_READY)}'`,
    `mtr_l=$(printf '%b' "$mtr_l"); unset mtr_f`,
    'eval "$mtr_l"',
  ].join('\n');
}

// The command line the spare's mux ssh sends: a login shell of any kind hands it to /bin/sh. Not a
// lone command: bash would exec it and lower SHLVL first, and a job's bash would then read ~/.bashrc
// as if sshd had started it (mtr's own lines are lists, so the login shell stays as here).
export function buildSpareRemoteLine(): string {
  return `/bin/sh -c ${shellQuote(buildSpareRemoteBody())} sh; exit`;
}

/** The line as the spare reads it: one line, backslashes doubled and newlines as `\n` (printf %b). */
export function encodeSpareLine(line: string): string {
  return `${line.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n`;
}

// The local holder, `/bin/sh -c HOLDER mtr-spare DIR LINK SECONDS ssh ARGS…`. In DIR (private, made
// by mtr) it makes the FIFOs in, out, err, rc and alive and starts the mux ssh on them; it holds
// `in` open so the remote shell waits, and publishes DIR as LINK. A LINK already there is another
// spare's: this holder ends (`ln -n`, as plain `ln` would put its link inside that spare's folder).
// A claimer renames LINK away, opens the FIFOs (`alive` for writing, for as long as it lives) and
// sends USR1: the holder lets go of `in` and the timer, and from then on stops the ssh when the
// claimer's `alive` closes (it ended, or died). Unclaimed after SECONDS, the timer takes LINK
// itself, the same way, and stops the ssh: of a claimer and the timer only one can rename LINK, so
// a claimed spare is never stopped by the timer. The holder's own end of `alive` (fd 7) is opened
// at the start, as the claimer removes DIR at once. A wait cut short by a trap is waited again (its
// 128+signal is not the ssh's status). When the ssh ends its status goes to `rc`, and DIR is removed.
export const SPARE_HOLDER = [
  'd=$1 link=$2 t=$3; shift 3',
  'cd "$d" || exit 1',
  'mkfifo in out err rc alive || exit 1',
  'exec 3<>in 5<>rc 6<>alive 7<alive',
  '"$@" <in 1<>out 2<>err 3>&- 5>&- 6>&- 7<&- &',
  'p=$!',
  `(sleep "$t" & s=$!; trap 'kill "$s" 2>/dev/null; exit 0' TERM; wait "$s" && [ "$(readlink "$link")" = "$d" ] && mv "$link" "$d/expired" 2>/dev/null && kill "$p" 2>/dev/null) </dev/null >/dev/null 2>&1 3>&- 5>&- 6>&- 7<&- &`,
  'w=$!',
  'a= claimed= i=',
  `trap 'i=1; exec 3>&-; kill "$w" 2>/dev/null; (cat <&7 >/dev/null; kill "$p" 2>/dev/null) </dev/null >/dev/null 2>&1 3>&- 5>&- 6>&- & a=$!; exec 6>&- 7<&-; claimed=1' USR1`,
  `trap 'i=1; kill "$p" 2>/dev/null' TERM`,
  'echo $$ >pid',
  'ln -sn "$d" "$link" || { kill "$p" "$w" 2>/dev/null; cd / && rm -rf "$d"; exit 1; }',
  'while :; do i=; wait "$p"; s=$?; [ -n "$i" ] && [ "$s" -gt 128 ] || break; done',
  'kill "$w" $a 2>/dev/null',
  // Its status, then rc closed at once: the claimer reads to EOF, and the tidying below is no wait of its.
  'echo "$s" >&5; exec 5>&-',
  '[ -n "$claimed" ] || { [ "$(readlink "$link" 2>/dev/null)" = "$d" ] && rm -f "$link"; }',
  'cd / && rm -rf "$d"',
].join('\n');

/** argv for /bin/sh starting a holder for a spare through the master at `controlPath`. */
export function buildSpareHolderArgs(controlPath: string, dir: string, link: string, seconds: number): string[] {
  return ['-c', SPARE_HOLDER, 'mtr-spare', dir, link, String(Math.max(1, Math.round(seconds))), 'ssh', ...buildMuxExecArgs(controlPath, buildSpareRemoteLine())];
}

/** Beside the socket: `<key>.spare`, the link to a spare's folder while one waits. */
export function spareLinkPath(socket: string): string {
  return socket.replace(/\.sock$/, '') + '.spare';
}

/** How long a spare waits: half the master's idle time, so a master outlives the last run by at most 1.5 times it. */
export function spareSeconds(idleSeconds: number): number {
  return Math.max(1, Math.round(idleSeconds / 2));
}

/** `MTR_SPARE=0` turns spares off. */
export function sparesEnabled(env: NodeJS.ProcessEnv): boolean {
  return env.MTR_SPARE !== '0';
}
