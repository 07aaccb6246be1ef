// Jobs an agent drives, end to end against the real sshd and tmux, the way an agent does it: no
// terminal, pipes for stdio, parse what comes back. A REPL started with -d --tty, typed into with
// --send, read with --screen; C-c through --keys reaching a trap; hostile text arriving as typed;
// the errors for a job without a terminal, an unknown key, an ended job.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, makeProject, type Project, type RunResult } from '../support/mtr.js';
import { mtrCommand, withTerminal } from '../support/local-tmux.js';
import { JOBS_DIR, describeE2E } from '../support/sshd.js';
import { sleep } from '../support/eventually.js';

/** Polls an async probe until it returns something truthy; fails naming `what` after 20 s. */
async function eventually<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

const summary = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

describeE2E('jobs on a terminal: -d --tty, --send, --keys, --screen', (sshd) => {
  let shared: Project | undefined;
  const project = (): Project => (shared ??= makeProject({ sshd }));
  const run = (args: string[]) => project().run(['--no-sync', ...args]);
  const names: string[] = [];
  const newName = (what: string) => {
    const name = `e2e-tty-${what}-${randomBytes(3).toString('hex')}`;
    names.push(name);
    return name;
  };
  const screen = async (name: string, extra: string[] = []) => {
    const result = await run(['--screen', name, ...extra]);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  };
  const screenShows = (name: string, text: string | RegExp) =>
    eventually(`the screen of ${name} to show ${String(text)}`, async () => {
      const shown = await screen(name);
      return (typeof text === 'string' ? shown.includes(text) : text.test(shown)) && shown;
    });

  afterAll(async () => {
    for (const name of names) await run(['--kill', name]).catch(() => undefined);
  });

  it('a REPL: started detached on a terminal, typed into, its screen read as plain text', async () => {
    const name = newName('repl');
    const started = await run(['-d', '--tty', '--name', name, 'env', 'PYTHON_BASIC_REPL=1', 'python3', '-q']);
    expect(summary(started)).toEqual({ code: 0, stdout: `${name}\n`, stderr: '' });
    await screenShows(name, '>>>');
    expect(summary(await run(['--send', name, 'x = 6 * 7']))).toEqual({ code: 0, stdout: '', stderr: '' });
    await run(['--send', name, 'print(x, "é")']);
    const shown = String(await screenShows(name, "42 é"));
    // Plain text: no escape sequences, no trailing blanks on a line, no blank lines at the end.
    expect(shown).not.toMatch(/\x1b/);
    expect(shown.split('\n').every((line) => line === line.trimEnd())).toBe(true);
    expect(shown.endsWith('\n') && !shown.endsWith('\n\n')).toBe(true);
    // The terminal stream is logged: --logs and --wait --for see it.
    const waited = await run(['--wait', name, '--for', '42 é', '--timeout', '20']);
    expect(waited.code, waited.stderr).toBe(0);
    expect((await run(['--logs', name])).stdout).toContain('42 é');
    // C-d ends the REPL: the job ends with its code.
    expect((await run(['--keys', name, 'C-d'])).code).toBe(0);
    expect((await run(['--wait', name, '--timeout', '20'])).code).toBe(0);
  });

  it('--send types hostile text literally: quotes, $(), ;, a leading dash, unicode', async () => {
    const name = newName('literal');
    // `cat` echoes each line back: what it prints is exactly what arrived.
    await run(['-d', '--tty', '--name', name, 'cat']);
    const text = `-n '"; $(touch /tmp/mtr-pwned-${name}) \`id\` ; echo x & | > y Enter C-c 日本`;
    // A first word starting with '-' follows `--`, as for any mtr command (`mtr -- -x`).
    const sent = await run(['--send', name, '--', text]);
    expect(sent.code, sent.stderr).toBe(0);
    const unmarked = await run(['--send', name, '-n', 'x']);
    expect(unmarked.code).toBe(2);
    await eventually('cat to echo the text twice (typed and printed)', async () => (await screen(name)).split(text).length >= 3);
    expect(fs.existsSync(`/tmp/mtr-pwned-${name}`)).toBe(false);
    // Words are joined by one space; --no-enter types without Enter.
    await run(['--send', name, '--no-enter', 'a', 'b']);
    await run(['--send', name, 'c']);
    await eventually('the joined words', async () => (await screen(name)).includes('a bc'));
  });

  it('C-c through --keys reaches the program (a trap), which goes on', async () => {
    const name = newName('trap');
    await run(['-d', '--tty', '--name', name, 'bash', '-c', 'trap "echo got-INT" INT; echo ready; while :; do sleep 0.1; done']);
    await screenShows(name, 'ready');
    expect((await run(['--keys', name, 'C-c'])).code).toBe(0);
    await screenShows(name, 'got-INT');
    const listed = JSON.parse((await run(['--jobs', '--json'])).stdout) as { name: string; state: string }[];
    expect(listed.find((job) => job.name === name)?.state).toBe('running');
  });

  it('--size sets the terminal; the default is 120x40', async () => {
    const sized = newName('size');
    await run(['-d', '--size', '90x20', '--name', sized, 'sh', '-c', 'stty size; sleep 30']);
    await screenShows(sized, '20 90');
    const plain = newName('default');
    await run(['-d', '--tty', '--name', plain, 'sh', '-c', 'stty size; sleep 30']);
    await screenShows(plain, '40 120');
  });

  it('--screen --lines adds history; --ansi keeps colours', async () => {
    const name = newName('history');
    await run(['-d', '--tty', '--size', '80x10', '--name', name, 'sh', '-c', 'for i in $(seq 1 30); do echo line$i; done; printf "\\033[31mred\\033[0m\\n"; sleep 30']);
    await screenShows(name, 'red');
    const visible = await screen(name);
    expect(visible).not.toContain('line5\n');
    expect(await screen(name, ['--lines', '25'])).toContain('line5\n');
    expect(await screen(name, ['--ansi'])).toContain('\x1b[31mred');
  });

  it('refusals: a job without a terminal, an unknown key, an ended job, an unknown job', async () => {
    const batch = newName('batch');
    await run(['-d', '--name', batch, 'sh', '-c', 'echo out-line; sleep 30']);
    const send = await run(['--send', batch, 'hello']);
    expect(send.code).toBe(2);
    expect(send.stderr).toMatch(/has no terminal/);
    expect(send.stderr).toMatch(/-d --tty/);
    // A batch job's screen is the tail of its output.
    await eventually('the batch job to print', async () => (await screen(batch)).includes('out-line'));

    const keys = await run(['--keys', batch, 'Ctrl-C']);
    expect(keys.code).toBe(2);
    expect(keys.stderr).toMatch(/unknown key name "Ctrl-C"/);

    const ended = newName('ended');
    await run(['-d', '--tty', '--name', ended, 'sh', '-c', 'echo bye']);
    await eventually('the job to end', () => fs.existsSync(path.join(JOBS_DIR, ended, 'rc')));
    const late = await run(['--send', ended, 'hello']);
    expect(late.code).toBe(2);
    expect(late.stderr).toMatch(/has ended/);
    // Its last screen stays readable.
    expect(await screen(ended)).toContain('bye');

    const unknown = await run(['--screen', 'e2e-tty-nosuchjob']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no job named e2e-tty-nosuchjob/);
  });

  it('--attach at a terminal takes over a -d --tty job: keys reach it, its exit code comes back', async () => {
    const name = newName('attach');
    await run(['-d', '--tty', '--name', name, 'sh', '-c', 'echo started; read line; echo "got [$line]"; exit 4']);
    await screenShows(name, 'started');
    const terminal = { cwd: project().root, env: cleanEnv({ ...project().env, TERM: 'xterm-256color' }), command: mtrCommand(['--no-sync', '--attach', name]), cols: 100, rows: 30 };
    await withTerminal(terminal, async (t) => {
      await t.type('typed-at-terminal');
      await t.sendKeys('Enter');
      await t.waitFor(/got \[typed-at-terminal\]/, 20_000);
      expect(await t.waitForExit(20_000)).toBe(4);
    });
  }, 60_000);
});
