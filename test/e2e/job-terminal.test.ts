// What a job started at a terminal leaves for everyone else, and the environment every job sees:
// an interactive job's output is logged (so --logs, --wait --for and a batch --attach read it), a
// batch job gets the TERM a plain `ssh host cmd` gets, an interactive one the user's TERM (or
// xterm-256color when the server has no terminfo for it). The user's terminal is a pane of a private
// LOCAL tmux (test/support/local-tmux.ts); the "remote" is the test sshd on this machine.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { mtrCommand, withTerminal, type TerminalOptions } from '../support/local-tmux.js';
import { cleanEnv, makeProject, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

const TIMEOUT = 60_000;
const uniqueName = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

describeE2E('jobs started at a terminal, and the TERM of every job', (sshd) => {
  let shared: Project | undefined;
  const project = (): Project => (shared ??= makeProject({ sshd }));
  const started: string[] = [];
  afterAll(async () => {
    for (const name of started) await project().run(['--no-sync', '--kill', name]);
  });
  const terminalFor = (args: string[], term = 'xterm-256color'): TerminalOptions => ({
    cwd: project().root,
    env: cleanEnv({ ...project().env, TERM: term }),
    command: mtrCommand(['--no-sync', ...args]),
    cols: 100,
    rows: 30,
  });

  it('an interactive job is logged: --logs shows its output, --wait --for matches it, a batch --attach streams it', async () => {
    const name = uniqueName('e2e-tty-logged');
    started.push(name);
    const loop = `echo "hello from ${name}"; i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done`;
    await withTerminal(terminalFor(['--name', name, 'sh', '-c', loop]), async (t) => {
      await t.waitFor(/tick 2\b/);

      const logs = await project().run(['--no-sync', '--logs', name]);
      expect({ code: logs.code, stderr: logs.stderr }).toEqual({ code: 0, stderr: '' });
      expect(logs.stdout).toContain(`hello from ${name}`);
      expect(logs.stdout).toMatch(/^tick 1\r?$/m);

      const waited = await project().run(['--no-sync', '--wait', name, '--for', 'tick [0-9]*5$', '--timeout', '20']);
      expect({ code: waited.code, stderr: waited.stderr }).toEqual({ code: 0, stderr: '' });
      expect(waited.stdout).toMatch(/^tick [0-9]*5\n$/);

      // Batch --attach: streams what comes, ends with the job's code (Ctrl+C at the terminal: 130).
      const attached = project().spawn(['--no-sync', '--attach', name]);
      let seen = '';
      attached.child.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
      await eventually(() => `ticks on the batch --attach (got ${JSON.stringify(seen.slice(-200))})`, () => /tick \d+/.test(seen), 15_000);
      await t.sendKeys('C-c');
      expect(await t.waitForExit()).toBe(130);
      const result = await attached.result;
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 130, stderr: '' });
    });
  }, TIMEOUT);

  it('a batch job sees the TERM and tmux variables a plain `ssh host cmd` sees (none)', async () => {
    const show = 'env | grep -E "^(TERM|TMUX|TMUX_PANE|TERM_PROGRAM|TERM_PROGRAM_VERSION)=" | sort; echo end';
    const viaMtr = await project().run(['--no-sync', 'sh', '-c', show]);
    expect({ code: viaMtr.code, stderr: viaMtr.stderr }).toEqual({ code: 0, stderr: '' });
    const viaSsh = spawnSync(
      'ssh',
      [
        '-F', '/dev/null', '-T', '-p', String(sshd.port), '-i', sshd.clientKey, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes',
        '-o', `UserKnownHostsFile=${path.join(project().home, '.ssh', 'known_hosts')}`, `${sshd.user}@${sshd.host}`, show,
      ],
      { encoding: 'utf8', env: cleanEnv({ HOME: project().home }), timeout: 20_000 },
    );
    expect({ code: viaSsh.status, stderr: viaSsh.stderr }).toEqual({ code: 0, stderr: '' });
    expect(viaMtr.stdout).toBe(viaSsh.stdout);
    expect(viaMtr.stdout).toBe('end\n');
  }, TIMEOUT);

  it.each([
    { term: 'xterm-256color', seen: 'xterm-256color' },
    { term: 'mtr-exotic-terminal', seen: 'xterm-256color' },
  ])('an interactive job started with TERM=$term sees TERM=$seen, and no TMUX', async ({ term, seen }) => {
    // The exotic name must really be unknown here (this machine is the server), or the row proves nothing.
    if (term !== seen) expect(spawnSync('infocmp', [term], { stdio: 'ignore' }).status).not.toBe(0);
    const script = 'echo "term=$(printenv TERM) tmux=${TMUX:-none}"';
    await withTerminal(terminalFor(['sh', '-c', script], term), async (t) => {
      expect(await t.waitForExit()).toBe(0);
      const screen = await t.capture();
      expect(screen).toMatch(new RegExp(`^term=${seen} tmux=none$`, 'm'));
    });
  }, TIMEOUT);
});
