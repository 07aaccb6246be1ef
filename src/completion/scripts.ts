// Pure builders for `mtr --completion bash|zsh|fish`. The flag list comes from the CLI's own
// declarations, so a new flag is completed without touching this file.

export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

/** What `mtr --complete` lists at Tab time. */
export type CompleteWhat = 'servers' | 'jobs';

export interface FlagSpec {
  /** `--server` */
  long: string;
  /** `-s`, when there is one. */
  short?: string;
  /** The flag takes a value (`--server <name>`). */
  takesValue: boolean;
  description: string;
}

/** What a flag's value completes to. */
export type ValueKind = 'servers' | 'jobs' | 'files' | 'shells' | 'none';

const VALUE_KINDS: Record<string, ValueKind> = {
  '--server': 'servers',
  '--attach': 'jobs',
  '--logs': 'jobs',
  '--wait': 'jobs',
  '--kill': 'jobs',
  '--to': 'files',
  '--log-file': 'files',
  '--completion': 'shells',
};

export function valueKindOf(flag: FlagSpec): ValueKind {
  return flag.takesValue ? (VALUE_KINDS[flag.long] ?? 'none') : 'none';
}

export function buildCompletionScript(shell: Shell, flags: readonly FlagSpec[]): string {
  if (shell === 'fish') return buildFish(flags);
  const body = buildBashFunction(flags);
  if (shell === 'bash') return `# mtr completion for bash. Load it with: eval "$(mtr --completion bash)"\n${body}complete -o default -F _mtr mtr\n`;
  // zsh runs the same function through its bash-completion layer (bashcompinit ships with zsh).
  return [
    '# mtr completion for zsh. Load it with: eval "$(mtr --completion zsh)"',
    'autoload -U +X compinit && { whence compdef >/dev/null || compinit; }',
    'autoload -U +X bashcompinit && bashcompinit',
    body + 'complete -o default -F _mtr mtr',
    '',
  ].join('\n');
}

const words = (flags: readonly FlagSpec[]): string[] => flags.flatMap((f) => (f.short ? [f.short, f.long] : [f.long]));

function flagsOfKind(flags: readonly FlagSpec[], kind: ValueKind): string {
  return words(flags.filter((f) => valueKindOf(f) === kind)).join('|');
}

// Options are read only before the command (like mtr itself): once a word that is not an option
// is seen, the rest completes as a remote command line (file names).
function buildBashFunction(flags: readonly FlagSpec[]): string {
  const valued = words(flags.filter((f) => f.takesValue)).join('|');
  const all = words(flags).join(' ');
  const pattern = (kind: ValueKind): string => flagsOfKind(flags, kind) || '--never-a-flag';
  return `_mtr() {
  local cur prev i word
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  i=1
  while [ "$i" -lt "$COMP_CWORD" ]; do
    word="\${COMP_WORDS[i]}"
    case "$word" in
      --) COMPREPLY=(); return 0 ;;
      ${valued}) i=$((i + 2)) ;;
      -*) i=$((i + 1)) ;;
      *) COMPREPLY=(); return 0 ;;
    esac
  done
  case "$prev" in
    ${pattern('servers')})
      # -s a,b: complete the name after the last comma.
      local head=""
      case "$cur" in *,*) head="\${cur%,*},"; cur="\${cur##*,}" ;; esac
      COMPREPLY=($(compgen -P "$head" -W "$(mtr --complete servers 2>/dev/null)" -- "$cur"))
      return 0 ;;
    ${pattern('jobs')})
      COMPREPLY=($(compgen -W "$(mtr --complete jobs 2>/dev/null)" -- "$cur"))
      return 0 ;;
    ${pattern('shells')})
      COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur"))
      return 0 ;;
    ${valued})
      # Files for --to and --log-file, nothing to guess for the rest: -o default lists files.
      COMPREPLY=()
      return 0 ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "${all}" -- "$cur"))
    return 0
  fi
  COMPREPLY=($(compgen -c -- "$cur"))
}
`;
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const FISH_VALUES: Record<ValueKind, string> = {
  servers: " -x -a '(mtr --complete servers 2>/dev/null)'",
  jobs: " -x -a '(mtr --complete jobs 2>/dev/null)'",
  shells: " -x -a 'bash zsh fish'",
  files: ' -r -F',
  none: ' -x',
};

function buildFish(flags: readonly FlagSpec[]): string {
  const lines = ['# mtr completion for fish. Load it with: mtr --completion fish | source', 'complete -c mtr -e'];
  for (const flag of flags) {
    const short = flag.short ? ` -s ${flag.short.slice(1)}` : '';
    const values = flag.takesValue ? FISH_VALUES[valueKindOf(flag)] : '';
    lines.push(`complete -c mtr -n 'not __fish_mtr_in_command'${short} -l ${flag.long.slice(2)}${values} -d ${fishQuote(flag.description)}`);
  }
  const valued = words(flags.filter((f) => f.takesValue)).join(' ');
  lines.push(
    // True once a word that is not an option (nor an option's value) was typed: the remote command.
    'function __fish_mtr_in_command',
    '    set -l tokens (commandline -opc)',
    '    set -e tokens[1]',
    '    set -l skip 0',
    '    for token in $tokens',
    '        if test $skip -eq 1',
    '            set skip 0',
    '            continue',
    '        end',
    '        switch $token',
    '            case --',
    '                return 0',
    `            case ${valued}`,
    '                set skip 1',
    "            case '-*'",
    '            case \'*\'',
    '                return 0',
    '        end',
    '    end',
    '    return 1',
    'end',
    "complete -c mtr -n 'not __fish_mtr_in_command' -f -a '(__fish_complete_command)'",
    '',
  );
  return lines.join('\n');
}
