// `mtr --completion bash|zsh|fish`, used as a person would: the script loaded into a real shell,
// Tab pressed in a local terminal; the shells' own non-interactive hooks for the finer cases.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { withTerminal } from '../support/local-tmux.js';
import { cleanEnv, makeProject, MTR_BIN, type Project } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

const CONFIG = `default: gpu
groups:
  gpus: [gpu, gpu2]
servers:
  gpu:
    host: {{host}}
    port: {{port}}
    key_filename: {{clientKey}}
    remote_dir: {{remoteDir}}
  gpu2:
    host: {{host}}
    port: {{port}}
    key_filename: {{clientKey}}
    remote_dir: {{remoteDir}}-2
`;

function requireShell(shell: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${shell}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error(`${shell} is not installed: run bash scripts/setup.sh (it installs zsh and fish for these tests)`);
  return found;
}

describeE2E('shell completion', (sshd) => {
  let project: Project;
  let bin: string;
  let env: Record<string, string>;

  beforeAll(() => {
    project = makeProject({ sshd, servers: CONFIG });
    // `mtr` on PATH as a user has it after `npm install -g`.
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-bin-'));
    fs.writeFileSync(path.join(bin, 'mtr'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(MTR_BIN)} "$@"\n`, { mode: 0o755 });
    env = cleanEnv({ ...project.env, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` });
  });
  afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

  // Calls the completion function the way bash does on Tab, with the words typed so far.
  function bashComplete(words: string[]): string[] {
    const script = `eval "$(mtr --completion bash)"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _mtr; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { cwd: project.root, env, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return result.stdout.split('\n').filter(Boolean);
  }

  it('prints a script for each shell and refuses an unknown one with exit 2', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const result = await project.run(['--completion', shell]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('--complete servers');
      expect(result.stderr).toBe('');
    }
    const bad = await project.run(['--completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mtr: --completion supports bash, zsh, fish, not "tcsh"\n {2}fix: /);
    expect(bad.stdout).toBe('');
  });

  it('bash: Tab completes flags and server names in a real terminal', async () => {
    await withTerminal({ cwd: project.root, env, command: ['bash', '--norc', '--noprofile', '-i'], cols: 120, rows: 20 }, async (t) => {
      await t.type('PS1="ready> "; eval "$(mtr --completion bash)"');
      await t.sendKeys('Enter');
      await t.waitFor(/^ready> $/m);
      await t.type('mtr --disc');
      await t.sendKeys('Tab');
      await t.waitFor(/^ready> mtr --disconnect $/m);
      await t.sendKeys('C-u');
      // Two Tabs on an ambiguous word list the candidates.
      await t.type('mtr -s gpu');
      await t.sendKeys('Tab', 'Tab');
      await t.waitFor(/^gpu\s+gpu2\s+gpus\s*$/m);
    });
  });

  it('bash: servers after a comma, shells, and nothing of mtr once the command started', () => {
    expect(bashComplete(['mtr', '-s', 'gpu,gpu'])).toEqual(['gpu,gpu', 'gpu,gpu2', 'gpu,gpus']);
    expect(bashComplete(['mtr', '--completion', 'z'])).toEqual(['zsh']);
    expect(bashComplete(['mtr', '--dry'])).toEqual(['--dry-run']);
    // Options are read only before the command: `--dry` after `python3` belongs to python3.
    expect(bashComplete(['mtr', 'python3', '--dry'])).toEqual([]);
    expect(bashComplete(['mtr', '-s', 'gpu', '--no-t'])).toEqual(['--no-tty']);
  });

  it('zsh: Tab completes a flag and server names through bashcompinit', async () => {
    requireShell('zsh');
    await withTerminal({ cwd: project.root, env: { ...env, ZDOTDIR: bin }, command: ['zsh', '-f', '-i'], cols: 120, rows: 20 }, async (t) => {
      await t.type('PS1="ready> "; eval "$(mtr --completion zsh)"');
      await t.sendKeys('Enter');
      await t.waitFor(/^ready> $/m);
      await t.type('mtr --disc');
      await t.sendKeys('Tab');
      await t.waitFor(/^ready> mtr --disconnect $/m);
      await t.sendKeys('C-u');
      await t.type('mtr -s gpu');
      await t.sendKeys('Tab');
      await t.waitFor(/gpu\s+gpu2\s+gpus/);
    });
  });

  it('fish: completes flags with descriptions, server names, and nothing of mtr after the command', () => {
    requireShell('fish');
    const complete = (line: string): string[] => {
      const result = spawnSync('fish', ['--no-config', '-c', `mtr --completion fish | source; complete -C ${JSON.stringify(line)}`], { cwd: project.root, env, encoding: 'utf8' });
      expect(result.stderr).toBe('');
      return result.stdout.split('\n').filter(Boolean);
    };
    expect(complete('mtr --disc')).toEqual(['--disconnect\tclose the shared connections kept for fast repeated runs']);
    expect(complete('mtr -s ').map((line) => line.split('\t')[0])).toEqual(['gpu', 'gpu2', 'gpus']);
    expect(complete('mtr python3 --disc')).toEqual([]);
  });

  it('job names come from a live shared connection, and nothing is offered without one', async () => {
    const none = await project.run(['--complete', 'jobs']);
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const started = await project.run(['--no-sync', '-d', '--name', 'comp-job', 'sleep', '30']);
    expect(started.code).toBe(0);
    // The cold run leaves a shared connection behind for the next runs; completion uses only that.
    let words = '';
    await eventually('the shared connection to list comp-job', () => {
      const result = spawnSync(process.execPath, [MTR_BIN, '--complete', 'jobs'], { cwd: project.root, env, encoding: 'utf8' });
      words = result.stdout;
      return result.stdout.split('\n').includes('comp-job');
    }, 15_000, 200);
    expect(words.split('\n')).toContain('comp-job');
    await project.run(['--kill', 'comp-job']);
  });
});

describe('completion outside a project', () => {
  it('offers no server names and prints nothing when no config is found', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-noproj-'));
    try {
      const result = spawnSync(process.execPath, [MTR_BIN, '--complete', 'servers'], { cwd: dir, env: cleanEnv({ HOME: dir }), encoding: 'utf8' });
      expect(result).toMatchObject({ status: 0, stdout: '', stderr: '' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
