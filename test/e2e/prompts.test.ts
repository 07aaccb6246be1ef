// Questions mtr asks at a terminal while its spinner runs (a run with a sync): the spinner stops
// first, the question shows whole, the answer leaves a clean screen, and Ctrl+C there is a plain
// Ctrl+C (130), not a crash.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { mtrCommand, withTerminal } from '../support/local-tmux.js';
import { cleanEnv, makeProject, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const PHRASE = 'tabby cat sofa';

describeE2E('prompts at a terminal during a sync', (sshd) => {
  const unknownHost = (): Project => {
    const p = makeProject({ sshd, files: { 'train.py': 'print("trained")\n' } });
    fs.writeFileSync(path.join(p.home, '.ssh', 'known_hosts'), '');
    return p;
  };
  const terminal = (p: Project, args: string[]) => ({ cwd: p.root, env: cleanEnv({ ...p.env, TERM: 'xterm-256color' }), command: mtrCommand(args), cols: 120, rows: 30 });

  it('the host-key question is shown whole, without the spinner, and "yes" leaves no stray characters', async () => {
    const p = unknownHost();
    await withTerminal(terminal(p, ['--no-reuse', 'python3', 'train.py']), async (t) => {
      const asked = await t.waitFor(/Are you sure you want to continue connecting \(yes\/no\)\? *$/m);
      const question = asked.split('\n').find((l) => l.includes('continue connecting')) ?? '';
      expect(question).toMatch(/^Are you sure you want to continue connecting \(yes\/no\)\? *$/);
      expect(asked).not.toMatch(SPINNER);
      await t.type('yes');
      await t.sendKeys('Enter');
      await t.waitFor(/^trained/m);
      expect(await t.waitForExit()).toBe(0);
      const screen = await t.capture();
      expect(screen).not.toMatch(SPINNER);
      expect(screen).toMatch(/continue connecting \(yes\/no\)\? yes\n/);
      // The typed answer appears once, after the question, and nowhere else (no stray "s").
      expect(screen.split('\n').filter((l) => /^\s*(y|ye|yes|e|es|s)\s*$/.test(l))).toEqual([]);
    });
  });

  it('Ctrl+C at the host-key question ends the run with 130 and one line, nothing recorded', async () => {
    const p = unknownHost();
    await withTerminal(terminal(p, ['--no-reuse', 'python3', 'train.py']), async (t) => {
      await t.waitFor(/continue connecting \(yes\/no\)\? *$/m);
      await t.sendKeys('C-c');
      expect(await t.waitForExit()).toBe(130);
      const screen = await t.capture();
      expect(screen).toContain('mtr: cancelled at the host key prompt');
      expect(screen).not.toMatch(/internal error|This is a bug|at .*\.js:\d+/);
    });
    expect(fs.readFileSync(path.join(p.home, '.ssh', 'known_hosts'), 'utf8')).toBe('');
  });

  it('the passphrase question stops the spinner; Ctrl+C there is 130 with one line', async () => {
    const keyDir = fs.mkdtempSync(path.join(sshd.localRoot, 'prompt-key-'));
    const key = path.join(keyDir, 'id_enc');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PHRASE, '-f', key]);
    fs.appendFileSync(path.join(sshd.dir, 'authorized_keys'), fs.readFileSync(`${key}.pub`));
    const p = makeProject({ sshd, servers: { test: { key_filename: key } }, files: { 'a.txt': 'a\n' } });
    await withTerminal(terminal(p, ['--no-reuse', 'cat', 'a.txt']), async (t) => {
      const asked = await t.waitFor(/^Enter passphrase for key '.*id_enc': *$/m);
      expect(asked).not.toMatch(SPINNER);
      await t.type(PHRASE);
      await t.sendKeys('Enter');
      await t.waitFor(/^a$/m);
      expect(await t.waitForExit()).toBe(0);
      expect(await t.capture()).not.toContain(PHRASE);
    });
    await withTerminal(terminal(p, ['--no-reuse', 'cat', 'a.txt']), async (t) => {
      await t.waitFor(/^Enter passphrase for key '.*id_enc': *$/m);
      await t.sendKeys('C-c');
      expect(await t.waitForExit()).toBe(130);
      const screen = await t.capture();
      expect(screen).toContain('mtr: cancelled at the passphrase prompt');
      expect(screen).not.toMatch(/internal error|This is a bug/);
    });
    // --doctor asks the same question: Ctrl+C there stops the doctor, it is no failed check.
    await withTerminal(terminal(p, ['--doctor']), async (t) => {
      await t.waitFor(/^Enter passphrase for key '.*id_enc': *$/m);
      await t.sendKeys('C-c');
      expect(await t.waitForExit()).toBe(130);
      const screen = await t.capture();
      expect(screen).toContain('mtr: cancelled at the passphrase prompt');
      expect(screen).not.toMatch(/check failed|✗/);
    });
  });
});
