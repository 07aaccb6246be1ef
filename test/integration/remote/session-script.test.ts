// The persistent-shell scripts run for real: a private tmux (its own TMUX_TMPDIR) in a throwaway
// HOME, the session shell started as the launch would start it, commands handed over with
// buildSessionSubmit and their records read back from the folder, as mtr's stream would.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSessionRc, buildSessionShell, buildSessionSignalScript, buildSessionSubmit } from '../../../src/remote/session-script.js';
import { buildStreamScript } from '../../../src/remote/job-stream-script.js';
import { shellQuote } from '../../../src/remote/shell-quote.js';
import { eventually } from '../../support/eventually.js';
import { processTable } from '../../support/processes.js';

interface Box {
  home: string;
  env: Record<string, string>;
}

let box: Box;
const NAME = 'sess';

const sh = (script: string) => {
  const run = spawnSync('/bin/sh', ['-c', script], { env: box.env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`script failed (${run.status}): ${run.stderr}`);
  return run.stdout;
};
const jobDir = () => path.join(box.home, '.mtr', 'jobs', NAME);
const read = (file: string) => fs.readFileSync(path.join(jobDir(), file), 'utf8');
const exists = (file: string) => fs.existsSync(path.join(jobDir(), file));

let next = 0;
async function run(commandLine: string, opts: { stdin?: string; whileRunning?: () => Promise<void> } = {}) {
  const id = String(++next);
  sh(buildSessionSubmit(NAME, id, commandLine, opts.stdin !== undefined));
  if (opts.stdin !== undefined) fs.writeFileSync(path.join(jobDir(), 'c', id, 'in'), opts.stdin);
  if (opts.whileRunning) await opts.whileRunning();
  await eventually(`command ${id} to end`, () => exists(`c/${id}/rc`) || exists('rc'));
  const code = exists(`c/${id}/rc`) ? read(`c/${id}/rc`) : `session ${read('rc')}`;
  return { out: read(`c/${id}/out`), err: read(`c/${id}/err`), code: code.trim() };
}

function startSession(shellPath: string, setup: string) {
  fs.mkdirSync(jobDir(), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(jobDir(), 'session.rc'), `${buildSessionRc(setup, NAME)}\n`);
  const pane = `PATH=${shellPath}; ${buildSessionShell(`"$HOME"/.mtr/jobs/${NAME}/session.rc`)}; echo $? >"$HOME"/.mtr/jobs/${NAME}/rc.tmp && mv "$HOME"/.mtr/jobs/${NAME}/rc.tmp "$HOME"/.mtr/jobs/${NAME}/rc`;
  sh(`tmux -L mtr new-session -d -s ${NAME} -x 80 -y 24 ${shellQuote(pane)}`);
}

beforeAll(() => {
  const tmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (tmux.error || tmux.status !== 0) throw new Error(`tmux is required by session-script.test.ts but \`tmux -V\` failed: ${tmux.error?.message ?? tmux.stderr}`);
});

beforeEach(() => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-sess-'));
  const home = path.join(root, 'home');
  fs.mkdirSync(path.join(root, 'tmux'), { recursive: true });
  fs.mkdirSync(path.join(home, 'proj', 'sub'), { recursive: true });
  box = { home, env: { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin', TMUX_TMPDIR: path.join(root, 'tmux'), LANG: 'C.UTF-8' } };
});

afterEach(() => {
  spawnSync('tmux', ['-L', 'mtr', 'kill-server'], { env: box.env, stdio: 'ignore' });
  fs.rmSync(path.dirname(box.home), { recursive: true, force: true });
});

// bash where it is installed; the sh row hides bash by a PATH holding only what the test needs.
function pathWithoutBash(): string {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-nobash-'));
  for (const tool of ['sleep', 'wc', 'cat', 'mv', 'ps', 'grep', 'tr', 'mkdir']) {
    const found = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
  fs.symlinkSync('/bin/dash', path.join(bin, 'sh'));
  return bin;
}

const shells = [
  ['bash', process.env.PATH ?? '/usr/bin:/bin'],
  ['sh (no bash on the server)', pathWithoutBash()],
] as const;

describe.each(shells)('a session in %s', (_label, shellPath) => {
  it('keeps cd, exports and functions; output separate and exact; each command its own code', async () => {
    startSession(shellPath, 'cd "$HOME"/proj && export FROM_SETUP=yes');
    expect(await run('pwd; echo "$FROM_SETUP"; cd sub; export A=1; f() { echo "fn $1"; }; printf "e\\n" >&2; false')).toEqual({
      out: `${box.home}/proj\nyes\n`,
      err: 'e\n',
      code: '1',
    });
    expect(await run('pwd; echo "A=$A"; f x; printf "no newline"')).toEqual({ out: `${box.home}/proj/sub\nA=1\nfn x\nno newline`, err: '', code: '0' });
  });

  it('reads piped stdin through the FIFO, and /dev/null otherwise', async () => {
    startSession(shellPath, ':');
    expect(await run('wc -c; cat', { stdin: 'hello\nworld\n' })).toMatchObject({ out: '12\n', code: '0' });
    expect(await run('cat; echo done')).toMatchObject({ out: 'done\n', code: '0' });
  });

  it('Ctrl+C stops the command, not the shell; the next command still has the state', async () => {
    startSession(shellPath, 'export KEEP=kept');
    const started = await run('sleep 30; echo after', {
      whileRunning: async () => {
        await eventually('sleep 30 to run', () => processTable().some((p) => p.args === 'sleep 30'));
        sh(buildSessionSignalScript(NAME, 'INT'));
      },
    });
    // bash stops the whole line (130); sh has no prompt hook, so there the line goes on (documented).
    if (shellPath === shells[0][1]) expect(started).toMatchObject({ out: '', code: '130' });
    else expect(started).toMatchObject({ out: 'after\n', code: '0' });
    expect(await run('echo "$KEEP"')).toMatchObject({ out: 'kept\n', code: '0' });
  });

  it('TERM goes to the foreground program only', async () => {
    startSession(shellPath, ':');
    const started = await run("trap '' INT; sleep 30", {
      whileRunning: async () => {
        await eventually('sleep 30 to run', () => processTable().some((p) => p.args === 'sleep 30'));
        sh(buildSessionSignalScript(NAME, 'TERM'));
      },
    });
    expect(started.code).toBe('143');
    expect(await run('echo alive')).toMatchObject({ out: 'alive\n', code: '0' });
  });

  // job-wake.ts: the shell that writes a command's rc wakes its streamer. Every pause of the
  // streamer's is 60 s here (a `sleep` ahead on its PATH), so it ends only through that wake.
  it("a command's streamer is woken by the shell when the command's rc is written", async () => {
    startSession(shellPath, ':');
    const realSleep = spawnSync('/bin/sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim();
    const bin = path.join(box.home, 'sleepy-bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'sleep'), `#!/bin/sh\ncase "$1" in 0.*) exec ${realSleep} 60;; esac\nexec ${realSleep} "$@"\n`, { mode: 0o755 });
    const id = String(++next);
    sh(buildSessionSubmit(NAME, id, 'sleep 0.4; echo woke; (exit 6)', false));
    // stdin stays open, as mtr's client holds it (EOF would tell the streamer its client is gone).
    const child = spawn('/bin/sh', ['-c', buildStreamScript(NAME, { exitWithJob: true, sessionCommand: id })], { env: { ...box.env, PATH: `${bin}:${box.env.PATH}` } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    child.stdin.end();
    expect(signal, 'the streamer was not woken (its pause is 60 s here)').toBeNull();
    expect({ out, code }).toEqual({ out: 'woke\n', code: 6 });
  });

  it('exit N ends the session with N', async () => {
    startSession(shellPath, ':');
    expect(await run('echo bye; exit 7')).toEqual({ out: 'bye\n', err: '', code: 'session 7' });
  });
});
