// A LOCAL terminal for "as a person would" tests: a command runs in a pane of a private tmux server
// (own socket name, own TMUX_TMPDIR, no config), so the test can type keys, resize the window and
// read the screen, and the command sees a real TTY on stdin and stdout.
// The pane runs `cd CWD && env -i VARS COMMAND; echo "MTR-EXIT=$?"; sleep 60`: the exit code shows on
// screen and the pane (and its TTY) stays for capture and `stty` after the command ends.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MTR_BIN } from './mtr.js';

const execFileAsync = promisify(execFile);

export interface TerminalOptions {
  cwd: string;
  /** The command's whole environment (it starts from `env -i`); TERM defaults to xterm-256color. */
  env: Record<string, string>;
  /** argv, quoted for the pane's shell; use mtrCommand() for the built binary. */
  command: readonly string[];
  /** Text put between the command and `; echo MTR-EXIT`, e.g. `| cat` (raw shell, not quoted). */
  suffix?: string;
  cols?: number;
  rows?: number;
}

export interface CaptureOptions {
  /** Keep colours and attributes as escape sequences (`capture-pane -e`). */
  escapes?: boolean;
  /** Only the visible screen; by default the scrollback is included so nothing scrolls out of reach. */
  visibleOnly?: boolean;
}

export interface Terminal {
  /** tmux key names (`Enter`, `C-c`, `C-]`, `q`), one argument each. */
  sendKeys(...keys: string[]): Promise<void>;
  /** Literal text, byte for byte (`send-keys -l`). */
  type(text: string): Promise<void>;
  capture(options?: CaptureOptions): Promise<string>;
  /** Polls the screen until `pattern` matches (a RegExp, or a predicate on the text); throws with the screen on timeout. */
  waitFor(pattern: RegExp | ((screen: string) => boolean), timeoutMs?: number, options?: CaptureOptions): Promise<string>;
  /** Waits for the `MTR-EXIT=N` line and returns N. */
  waitForExit(timeoutMs?: number): Promise<number>;
  resize(cols: number, rows: number): Promise<void>;
  /** `stty -a` of the pane's TTY (run once the command has ended, while the pane sleeps). */
  sttyState(): Promise<string>;
  /** Terminal modes the pane is in, from tmux's own view of it (1 = on). */
  paneModes(): Promise<PaneModes>;
  /** Kills the tmux server (and so the pane's processes) and removes its temp dir. Idempotent. */
  close(): Promise<void>;
}

export interface PaneModes {
  alternate: boolean;
  mouse: boolean;
  cursorVisible: boolean;
  keypadCursor: boolean;
  keypad: boolean;
}

const EXIT_LINE = /MTR-EXIT=(\d+)\s*$/m;

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
// Test-local quoting (not src's shellQuote, so a bug there cannot hide itself here).
export function quoteForShell(value: string): string {
  if (value !== '' && SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** argv that runs the built mtr with this Node. */
export function mtrCommand(args: readonly string[]): string[] {
  return [process.execPath, MTR_BIN, ...args];
}

/** The pane's shell line; pure, so it can be read in a failure message. */
export function buildPaneCommand(options: Pick<TerminalOptions, 'cwd' | 'env' | 'command' | 'suffix'>): string {
  const env = { TERM: 'xterm-256color', ...options.env };
  const vars = Object.entries(env).map(([key, value]) => quoteForShell(`${key}=${value}`));
  const command = options.command.map(quoteForShell).join(' ');
  const suffix = options.suffix ? ` ${options.suffix}` : '';
  return `cd ${quoteForShell(options.cwd)} && env -i ${vars.join(' ')} ${command}${suffix}; echo "MTR-EXIT=$?"; sleep 60`;
}

export async function startTerminal(options: TerminalOptions): Promise<Terminal> {
  const { cols = 100, rows = 30 } = options;
  // Short path: the socket path must stay under ~100 bytes.
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-lt-'));
  const socket = `mtr-e2e-${randomBytes(4).toString('hex')}`;
  const target = '=term:';
  const tmuxEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpDir,
    TMUX_TMPDIR: tmpDir,
    LANG: 'C.UTF-8',
    SHELL: '/bin/sh',
  };
  const tmux = async (...args: string[]): Promise<string> => {
    // -u: the capturing client is UTF-8, so tmux does not replace non-ASCII cells with `_`.
    const { stdout } = await execFileAsync('tmux', ['-u', '-L', socket, '-f', '/dev/null', ...args], {
      env: tmuxEnv,
      timeout: 10_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  };

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await tmux('kill-server').catch(() => undefined);
    fs.rmSync(tmpDir, { recursive: true, force: true });
  };

  try {
    // window-size manual: the window keeps the size we give it, as no client is ever attached to
    // decide one. (The pane keeps tmux's default 2000 lines of scrollback: plenty for these screens.)
    await tmux(
      'new-session', '-d', '-s', 'term', '-x', String(cols), '-y', String(rows), buildPaneCommand(options), ';',
      'set-option', '-g', 'window-size', 'manual',
    );
  } catch (error) {
    await close();
    throw error;
  }

  const capture = async (opts: CaptureOptions = {}): Promise<string> => {
    const args = ['capture-pane', '-p', '-J', '-t', target];
    if (opts.escapes) args.push('-e');
    if (!opts.visibleOnly) args.push('-S', '-');
    return tmux(...args);
  };

  const waitFor: Terminal['waitFor'] = async (pattern, timeoutMs = 15_000, opts = {}) => {
    const test = typeof pattern === 'function' ? pattern : (screen: string) => pattern.test(screen);
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      screen = await capture(opts);
      if (test(screen)) return screen;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const what = typeof pattern === 'function' ? 'condition' : String(pattern);
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} on the local terminal; screen:\n${screen.replace(/\s+$/, '')}\n--- end of screen`);
  };

  return {
    sendKeys: async (...keys) => void (await tmux('send-keys', '-t', target, ...keys)),
    type: async (text) => void (await tmux('send-keys', '-t', target, '-l', text)),
    capture,
    waitFor,
    async waitForExit(timeoutMs = 15_000) {
      // Not anchored at the line start: bytes that reach the TTY after the command ended (e.g. a
      // terminal's late answer to a query) are echoed in front of it.
      const screen = await waitFor(EXIT_LINE, timeoutMs);
      return Number(EXIT_LINE.exec(screen)![1]);
    },
    async resize(newCols, newRows) {
      await tmux('resize-window', '-t', target, '-x', String(newCols), '-y', String(newRows));
    },
    async sttyState() {
      const tty = (await tmux('display-message', '-p', '-t', target, '#{pane_tty}')).trim();
      const { stdout } = await execFileAsync('stty', ['-a', '-F', tty], { timeout: 5000 });
      return stdout;
    },
    async paneModes() {
      const format = '#{alternate_on} #{mouse_any_flag} #{cursor_flag} #{keypad_cursor_flag} #{keypad_flag}';
      const [alternate, mouse, cursorVisible, keypadCursor, keypad] = (await tmux('display-message', '-p', '-t', target, format))
        .trim()
        .split(' ')
        .map((flag) => flag === '1');
      return { alternate: alternate!, mouse: mouse!, cursorVisible: cursorVisible!, keypadCursor: keypadCursor!, keypad: keypad! };
    },
    close,
  };
}

/** Runs `body` with a fresh terminal and always closes it, also when the body throws. */
export async function withTerminal<T>(options: TerminalOptions, body: (terminal: Terminal) => Promise<T>): Promise<T> {
  const terminal = await startTerminal(options);
  try {
    return await body(terminal);
  } finally {
    await terminal.close();
  }
}
