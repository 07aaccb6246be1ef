// `mtr <command>` at a terminal, tested as a person would use it: the built binary runs in a pane of a
// private LOCAL tmux server (test/support/local-tmux.ts) — a real TTY of a fixed size — and the test
// types keys, resizes the window and reads the screen. The remote side is the real test sshd with its
// own tmux (`tmux -L mtr` under sshd.tmuxTmpDir). Every run passes --no-sync.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { cleanEnv, makeProject, type Project } from '../support/mtr.js';
import { processTable, type ProcessRow } from '../support/processes.js';
import { describeE2E, type SshdInfo } from '../support/sshd.js';
import { mtrCommand, startTerminal, withTerminal, type PaneModes, type Terminal, type TerminalOptions } from '../support/local-tmux.js';

const TIMEOUT = 60_000;

// The "remote" is this machine: a program the remote side needs is looked up here.
const hasTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

/** Why a test must skip (said loudly on stderr), or undefined when `tool` is installed. */
function missingTool(tool: string, packageName: string): string | undefined {
  if (hasTool(tool)) return undefined;
  const reason = `${tool} is not installed (apt-get install ${packageName}; scripts/setup.sh should install it)`;
  // CI must run everything: scripts/setup.sh installs these, so a gap there is a failure, not a skip.
  if (process.env.CI) throw new Error(`interactive e2e under CI: ${reason}`);
  process.stderr.write(`\n!!! interactive e2e: SKIPPING the tests that need ${tool}: ${reason}\n\n`);
  return reason;
}

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

/** `stty -a` says the terminal is cooked: line editing and echo on, as a shell expects. */
function expectCooked(stty: string): void {
  const flags = stty.split(/[\s;]+/);
  expect(flags).toContain('icanon');
  expect(flags).toContain('echo');
  expect(flags).toContain('isig');
  expect(flags).toContain('icrnl');
  expect(flags).toContain('opost');
  expect(flags).not.toContain('-icanon');
  expect(flags).not.toContain('-echo');
}

/** Highest `tick N` on the screen (0 when none). */
function lastTick(screen: string): number {
  return Math.max(0, ...[...screen.matchAll(/tick (\d+)/g)].map((match) => Number(match[1])));
}

/** Is a job's session alive on the remote tmux server (same machine, sshd's TMUX_TMPDIR)? */
function remoteSessionExists(sshd: SshdInfo, name: string): boolean {
  const env: NodeJS.ProcessEnv = { ...process.env, TMUX_TMPDIR: sshd.tmuxTmpDir };
  delete env.TMUX;
  return spawnSync('tmux', ['-L', 'mtr', 'has-session', '-t', `=${name}`], { env, stdio: 'ignore' }).status === 0;
}

// The sshd process serving the connection that attached to job `name`: the parent of the remote
// `tmux -L mtr attach-session -t =NAME` client (the attach line ends in `exec tmux …`).
function findSshdServing(name: string): ProcessRow {
  const processes = processTable();
  const client = processes.find((p) => p.args.includes('attach-session') && p.args.includes(`=${name}`));
  if (!client) throw new Error(`no remote tmux client attached to ${name}; processes:\n${processes.map((p) => p.args).join('\n')}`);
  const parent = processes.find((p) => p.pid === client.ppid);
  if (!parent || !parent.args.startsWith('sshd')) {
    throw new Error(`the tmux client of ${name} (pid ${client.pid}) is not a child of sshd: parent is ${parent?.args ?? 'gone'}`);
  }
  return parent;
}

// A run leaves a shared connection behind for the next ones; wait until a run logs that it reused one.
async function warmSharedConnection(p: Project): Promise<void> {
  const log = path.join(p.root, 'reuse-probe.log');
  for (let attempt = 0; attempt < 20; attempt++) {
    fs.rmSync(log, { force: true });
    await p.run(['--no-sync', '--log-file', log, 'true']);
    if (fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('reusing the shared connection')) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('runs never reused a shared connection (has connection reuse changed?)');
}

/** Polls the local pane's modes until they equal `want` (they follow the screen by a redraw). */
async function waitForModes(t: Terminal, want: PaneModes, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let modes = await t.paneModes();
  while (JSON.stringify(modes) !== JSON.stringify(want) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    modes = await t.paneModes();
  }
  expect(modes).toEqual(want);
}

describeE2E('mtr at a terminal (interactive, --no-sync)', (sshd) => {
  let shared: Project | undefined;
  const project = (): Project => (shared ??= makeProject({ sshd }));
  // A local terminal running `mtr --no-sync ARGS` in the project.
  const terminalFor = (args: string[], extra: Partial<TerminalOptions> = {}, p: Project = project()): TerminalOptions => ({
    cwd: p.root,
    env: cleanEnv({ ...p.env, TERM: 'xterm-256color' }),
    command: mtrCommand(['--no-sync', ...args]),
    cols: 100,
    rows: 30,
    ...extra,
  });

  const noPython = missingTool('python3', 'python3');
  it.skipIf(Boolean(noPython))(`python REPL: typed lines and arrow keys in, output back, exit(4) is mtr's exit code${noPython ? ` [skipped: ${noPython}]` : ''}`, async () => {
    await withTerminal(terminalFor(['python3']), async (t) => {
      await t.waitFor(/^>>> $/m);
      await t.type('print(6*7)');
      await t.sendKeys('Enter');
      await t.waitFor(/^42$/m);
      // Arrow keys arrive as escape sequences: Up recalls the line from readline's history.
      await t.sendKeys('Up');
      await t.waitFor(/^>>> print\(6\*7\)\n42\n>>> print\(6\*7\)$/m);
      await t.sendKeys('Enter');
      await t.waitFor((screen) => (screen.match(/^42$/gm) ?? []).length === 2);
      await t.type('exit(4)');
      await t.sendKeys('Enter');
      expect(await t.waitForExit()).toBe(4);
      expectCooked(await t.sttyState());
    });
  }, TIMEOUT);

  it('follows the local window size, at start and live', async () => {
    await withTerminal(terminalFor(['sh', '-c', 'while :; do stty size; sleep 0.2; done']), async (t) => {
      await t.waitFor(/^30 100$/m);
      await t.resize(120, 40);
      await t.waitFor(/^40 120$/m);
      await t.resize(80, 24);
      await t.waitFor(/^24 80$/m);
      await t.sendKeys('C-c');
      expect(await t.waitForExit()).toBe(130);
    });
  }, TIMEOUT);

  it("Ctrl+C reaches the remote program's INT trap and its exit code comes back", async () => {
    const script = 'trap "echo got-int; exit 9" INT; echo ready; while :; do sleep 0.1; done';
    await withTerminal(terminalFor(['sh', '-c', script]), async (t) => {
      await t.waitFor(/^ready$/m);
      await t.sendKeys('C-c');
      await t.waitFor(/got-int$/m); // after the pane's own `^C` echo
      expect(await t.waitForExit()).toBe(9);
      expectCooked(await t.sttyState());
    });
  }, TIMEOUT);

  // vim-tiny installs only vim.tiny (and vi, which may be another vi): either vim will do.
  const vim = ['vim', 'vim.tiny'].find(hasTool);
  const noVim = vim ? undefined : missingTool('vim', 'vim (or vim-tiny)');
  it.skipIf(!vim)(`vim shows the file in the remote dir, :q returns with 0${noVim ? ` [skipped: ${noVim}]` : ''}`, async () => {
    const p = makeProject({ sshd, createRemoteDir: true });
    fs.writeFileSync(path.join(p.remoteDir, 'f.txt'), 'hello from file\n');
    // -i NONE: no ~/.viminfo written in the (real) remote home.
    await withTerminal(terminalFor([vim!, '-i', 'NONE', 'f.txt'], {}, p), async (t) => {
      await t.waitFor(/hello from file/);
      await t.waitFor(/"f\.txt"/); // vim's own message line: the file was read, not just echoed
      await t.type(':q');
      await t.sendKeys('Enter');
      expect(await t.waitForExit()).toBe(0);
      expectCooked(await t.sttyState());
    });
  }, TIMEOUT);

  // The pane's shell prints a line first, then runs `mtr --no-sync ARGS`: what was on the screen before.
  const afterLine = (args: string[], p: Project = project()): TerminalOptions =>
    terminalFor([], { command: ['sh', '-c', 'echo before-mtr; exec "$@"', 'sh', ...mtrCommand(['--no-sync', ...args])] }, p);
  /** The visible screen's non-blank lines, right-trimmed. */
  const visibleLines = async (t: Terminal) => (await t.capture({ visibleOnly: true })).split('\n').map((line) => line.trimEnd()).filter(Boolean);

  it("a program's output stays on the screen after it ends, below what was there before (as with ssh -t)", async () => {
    const script = 'echo line-one; printf "\\033[32mline-two\\033[0m\\n"; echo line-three';
    await withTerminal(afterLine(['sh', '-c', script]), async (t) => {
      expect(await t.waitForExit()).toBe(0);
      expect(await visibleLines(t)).toEqual(['before-mtr', 'line-one', 'line-two', 'line-three', 'MTR-EXIT=0']);
      expect(await t.capture({ escapes: true, visibleOnly: true })).toMatch(/\x1b\[32mline-two\n?\x1b\[(39|0)?m\n?line-three/);
      expectCooked(await t.sttyState());
    });
  }, TIMEOUT);

  it.skipIf(!vim)(`vim still gives back the screen it drew over${noVim ? ` [skipped: ${noVim}]` : ''}`, async () => {
    const p = makeProject({ sshd, createRemoteDir: true });
    fs.writeFileSync(path.join(p.remoteDir, 'g.txt'), 'vim was here\n');
    await withTerminal(afterLine([vim!, '-i', 'NONE', 'g.txt'], p), async (t) => {
      await t.waitFor(/vim was here/);
      await t.type(':q');
      await t.sendKeys('Enter');
      expect(await t.waitForExit()).toBe(0);
      expect(await visibleLines(t)).toEqual(['before-mtr', 'MTR-EXIT=0']);
    });
  }, TIMEOUT);

  const noTop = missingTool('top', 'procps');
  it.skipIf(Boolean(noTop))(`top draws its screen and q quits with 0${noTop ? ` [skipped: ${noTop}]` : ''}`, async () => {
    await withTerminal(terminalFor(['top']), async (t) => {
      await t.waitFor(/load average|Tasks:/);
      await t.sendKeys('q');
      expect(await t.waitForExit()).toBe(0);
      expectCooked(await t.sttyState());
    });
  }, TIMEOUT);

  it('Ctrl+] d detaches, the job goes on, --attach from a new terminal resumes it, Ctrl+C ends it with 130', async () => {
    const name = uniqueName('e2e-detach');
    const loop = 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done';
    try {
      let seen = 0;
      await withTerminal(terminalFor(['--name', name, 'sh', '-c', loop]), async (t) => {
        await t.waitFor(/tick 2\b/);
        await t.sendKeys('C-]');
        await t.sendKeys('d');
        expect(await t.waitForExit()).toBe(0);
        const screen = await t.capture();
        expect(screen).toMatch(/detached/);
        expect(screen).toContain(`mtr --attach ${name}`);
        // The job's screen stays in view after detaching, as at its end.
        expect(lastTick(await t.capture({ visibleOnly: true }))).toBeGreaterThanOrEqual(2);
        seen = lastTick(screen);
        expectCooked(await t.sttyState());
      });
      expect(remoteSessionExists(sshd, name)).toBe(true);

      await withTerminal(terminalFor(['--attach', name]), async (t) => {
        // Ticks go on from where they were: higher numbers than any seen before detaching.
        await t.waitFor((screen) => lastTick(screen) > seen + 1);
        await t.sendKeys('C-c');
        expect(await t.waitForExit()).toBe(130);
        expectCooked(await t.sttyState());
      });
      const jobs = await project().run(['--no-sync', '--jobs']);
      expect(jobs.stdout).toMatch(new RegExp(`${name}.*130`));
    } finally {
      await project().run(['--no-sync', '--kill', name]);
    }
  }, TIMEOUT);

  // A job started without a terminal writes to files, not to its pane: at a terminal --attach follows
  // that output (as --logs --follow) and Ctrl+C stops only the watching.
  // Both ways: through a shared connection the terminal's SIGINT also reaches the mux ssh child.
  it.each([
    ['a fresh connection', ['--no-reuse']],
    ['a shared connection', []],
  ])('--attach at a terminal to a batch job, over %s, shows its live output; Ctrl+C stops watching (130), says how to stop the job, the job goes on', async (_via, flags) => {
    const name = uniqueName('e2e-watch');
    const logFile = path.join(project().root, `${name}.log`);
    if (!flags.length) await warmSharedConnection(project());
    const loop = 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.3; done';
    try {
      const started = await project().run(['--no-sync', '-d', '--name', name, 'sh', '-c', loop]);
      expect({ code: started.code, stderr: started.stderr }).toEqual({ code: 0, stderr: '' });
      // `set -m`: mtr runs as a job in its own process group, as from an interactive shell, so the
      // terminal's Ctrl+C (SIGINT) reaches mtr and its children only, not the pane's shell.
      const asJob = { command: ['sh', '-c', 'set -m; "$@"', 'sh', ...mtrCommand(['--no-sync', '--log-file', logFile, ...flags, '--attach', name])] };
      await withTerminal(terminalFor([], asJob), async (t) => {
        const first = lastTick(await t.waitFor(/tick 2\b/));
        await t.waitFor((screen) => lastTick(screen) > first + 1); // live, not a snapshot
        await t.sendKeys('C-c');
        expect(await t.waitForExit()).toBe(130);
        const screen = await t.capture();
        expect(screen).toMatch(/^tick 1$/m); // from the start
        expect(screen).toContain(`mtr: stopped watching job ${name}; it goes on. Stop it with \`mtr --kill ${name}\``);
        expectCooked(await t.sttyState());
      });
      expect(fs.readFileSync(logFile, 'utf8').includes('reusing the shared connection')).toBe(!flags.length);
      expect(remoteSessionExists(sshd, name)).toBe(true);
      const jobs = await project().run(['--no-sync', '--jobs']);
      expect(jobs.stdout).toMatch(new RegExp(`^${name} +running `, 'm'));
    } finally {
      await project().run(['--no-sync', '--kill', name]);
    }
  }, TIMEOUT);

  it('--attach at a terminal to a batch job that ends: its output, then its exit code', async () => {
    const p = makeProject({ sshd, createRemoteDir: true });
    const name = uniqueName('e2e-watch-end');
    const go = path.join(p.remoteDir, 'go');
    try {
      const started = await p.run(['--no-sync', '-d', '--name', name, 'sh', '-c', `echo first; while [ ! -f ${go} ]; do sleep 0.05; done; echo last >&2; exit 5`]);
      expect(started.code).toBe(0);
      await withTerminal(terminalFor(['--attach', name], {}, p), async (t) => {
        await t.waitFor(/^first$/m);
        fs.writeFileSync(go, '');
        expect(await t.waitForExit()).toBe(5);
        expect(await t.capture()).toMatch(/^first\nlast\n/m);
      });
    } finally {
      await p.run(['--no-sync', '--kill', name]);
    }
  }, TIMEOUT);

  // Modes a full-screen program switches on: mouse reporting, hidden cursor, application keypad.
  const MESSY_MODES = '\\033[?1049h\\033[?1000h\\033[?25l\\033[?1h\\033=';
  const SANE: PaneModes = { alternate: false, mouse: false, cursorVisible: true, keypadCursor: false, keypad: false };
  // The remote tmux passes the pane's modes on to the local terminal (and draws on its alternate
  // screen anyway), so the local terminal really is messy first.
  const MESSY: PaneModes = { alternate: true, mouse: true, cursorVisible: false, keypadCursor: true, keypad: true };

  it('leaves the terminal sane after a program switched on the alternate screen, mouse, keypad and hid the cursor', async () => {
    // The line typed comes back as the exit code: what the program printed on its alternate screen
    // is gone once it exits (mtr leaves a full-screen program's screen as it was), maybe before a
    // busy machine's test has looked.
    const script = `printf "${MESSY_MODES}"; echo armed; read line; [ "$line" = x ] && exit 7; exit 1`;
    await withTerminal(terminalFor(['sh', '-c', script]), async (t) => {
      await t.waitFor(/^armed$/m);
      await waitForModes(t, MESSY);
      await t.type('x');
      await t.sendKeys('Enter');
      expect(await t.waitForExit()).toBe(7);
      expectCooked(await t.sttyState());
      expect(await t.paneModes()).toEqual(SANE);
    });
  }, TIMEOUT);

  it('a lone Ctrl+] (not followed by d) still reaches the program', async () => {
    const script = 'stty raw -echo; echo armed; b=$(dd bs=1 count=1 2>/dev/null | od -An -tx1); stty sane; echo "byte:$b"';
    await withTerminal(terminalFor(['sh', '-c', script]), async (t) => {
      await t.waitFor(/^armed/m);
      await t.sendKeys('C-]');
      await t.waitFor(/byte: *1d/);
      expect(await t.waitForExit()).toBe(0);
    });
  }, TIMEOUT);

  const noPs = missingTool('ps', 'procps');
  it.skipIf(Boolean(noPs))(`a dropped connection: mtr says the job goes on and how to reattach, exits 255, terminal cooked${noPs ? ` [skipped: ${noPs}]` : ''}`, async () => {
    const name = uniqueName('e2e-drop');
    try {
      // The remote tmux client dies with the link, so only mtr itself can reset the modes.
      const script = `printf "${MESSY_MODES}"; echo ready; while :; do sleep 0.2; done`;
      await withTerminal(terminalFor(['--name', name, 'sh', '-c', script]), async (t) => {
        await t.waitFor(/^ready$/m);
        await waitForModes(t, MESSY);
        const server = findSshdServing(name);
        process.kill(server.pid, 'SIGKILL');
        expect(await t.waitForExit(20_000)).toBe(255);
        const screen = await t.capture();
        expect(screen).toMatch(/connection lost/);
        expect(screen).toMatch(/goes on/);
        expect(screen).toContain(`mtr --attach ${name}`);
        expectCooked(await t.sttyState());
        expect(await t.paneModes()).toEqual(SANE);
      });
      expect(remoteSessionExists(sshd, name)).toBe(true);
    } finally {
      await project().run(['--no-sync', '--kill', name]);
    }
  }, TIMEOUT);

  it('colours and UTF-8 reach the local terminal intact', async () => {
    await withTerminal(terminalFor(['printf', '\\033[31mred\\033[0m ünïcødé ✓\\n']), async (t) => {
      expect(await t.waitForExit()).toBe(0);
      const line = (await t.capture()).split('\n').find((text) => text.startsWith('red'));
      expect(line?.trimEnd()).toBe('red ünïcødé ✓');
      expect(await t.capture({ escapes: true })).toMatch(/\x1b\[31mred\x1b\[(39|0)?m/);
    });
  }, TIMEOUT);

  it('--tty forces a remote terminal even when stdout is a pipe', async () => {
    await withTerminal(terminalFor(['--tty', 'sh', '-c', 'test -t 0 && test -t 1 && echo has-tty'], { suffix: '| cat' }), async (t) => {
      await t.waitFor(/^has-tty\s*$/m);
      expect(await t.waitForExit()).toBe(0);
      expectCooked(await t.sttyState());
    });
  }, TIMEOUT);

  // The one case here with a sync: rsync rides the run's connection (the relay) under a terminal.
  it('with a sync at a terminal: rsync through the relay, the progress line gone before the output, a clean exit', async () => {
    const p = makeProject({ sshd, files: { 'a.txt': 'synced at a terminal\n', 'src/b.py': 'print(1)\n' } });
    const options: TerminalOptions = { cwd: p.root, env: cleanEnv({ ...p.env, TERM: 'xterm-256color' }), command: mtrCommand(['--log-file', 'run.log', 'sh', '-c', 'cat a.txt; exit 5']), cols: 100, rows: 30 };
    await withTerminal(options, async (t) => {
      expect(await t.waitForExit()).toBe(5);
      const screen = await t.capture();
      expect(screen).toMatch(/^synced at a terminal$/m);
      expect(screen).not.toMatch(/syncing|scanning/);
      expectCooked(await t.sttyState());
    });
    expect(fs.readFileSync(path.join(p.remoteDir, 'src/b.py'), 'utf8')).toBe('print(1)\n');
    expect(fs.readFileSync(path.join(p.root, 'run.log'), 'utf8')).toMatch(/rsync tunnel: .*rsync --server/);
  }, TIMEOUT);

  // Like `ssh -tt host cmd </dev/null`: stdin at EOF must not cut the session short.
  it('--tty without any local terminal (stdin /dev/null, stdout a pipe): output and exit code come back', async () => {
    const result = await project().run(['--no-sync', '--tty', 'sh', '-c', 'test -t 0 && echo has-tty; exit 3']);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 3, stdout: expect.stringContaining('has-tty') });
  }, TIMEOUT);

  it('without a terminal the default is batch: no remote TTY, clean output', async () => {
    const result = await project().run(['--no-sync', 'sh', '-c', 'test -t 0 || test -t 1 || echo no-tty']);
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: 'no-tty\n', stderr: '' });
  }, TIMEOUT);
});

// Keep the helper's own contract honest without a server.
const noTmux = missingTool('tmux', 'tmux');
it.skipIf(Boolean(noTmux))('local terminal: a plain command, its exit code, resize and stty', async () => {
  const t: Terminal = await startTerminal({ cwd: '/', env: cleanEnv(), command: ['sh', '-c', 'stty size; read x; exit 3'] });
  try {
    await t.waitFor(/^30 100$/m);
    await t.type('go');
    await t.sendKeys('Enter');
    expect(await t.waitForExit()).toBe(3);
    expectCooked(await t.sttyState());
    await t.resize(120, 40);
    expect(await t.sttyState()).toMatch(/rows 40; columns 120/);
  } finally {
    await t.close();
  }
}, TIMEOUT);
