// How --attach picks its way (buildExistsScript prints the job's mode), and what an interactive job
// leaves for the screen: the wrapper captures the pane's last screen into
// `screen` when the job ends, and buildAttachEndScript hands back rc + that screen (or, while the
// job runs, a live capture of its main screen). Run for real: local shell, local tmux, own HOME.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TMUX } from '../../../src/remote/job-paths.js';
import { buildAttachEndScript } from '../../../src/remote/job-attach-script.js';
import { buildExistsScript } from '../../../src/remote/job-ops-script.js';
import { buildLaunchScript } from '../../../src/remote/job-script.js';
import { buildJobMeta } from '../../../src/jobs/meta.js';
import { parseAttachEnd } from '../../../src/exec/final-screen.js';

let root: string;
let env: Record<string, string>;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-ae-'));
  fs.mkdirSync(path.join(root, 'home'));
  fs.mkdirSync(path.join(root, 'tmux'));
  env = { HOME: path.join(root, 'home'), PATH: process.env.PATH ?? '/usr/bin:/bin', TMUX_TMPDIR: path.join(root, 'tmux'), LANG: 'C.UTF-8' };
});

afterEach(() => {
  spawnSync('sh', ['-c', `${TMUX} kill-server`], { env, stdio: 'ignore' });
  fs.rmSync(root, { recursive: true, force: true });
});

const sh = (script: string) => spawnSync('/bin/sh', ['-c', script], { env, encoding: 'utf8', timeout: 10_000 });
const jobDir = (name: string) => path.join(env.HOME!, '.mtr', 'jobs', name);

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Starts an interactive job (its pane is the terminal) and opens its start gate as an attach would.
function launchInteractive(name: string, script: string): void {
  const launch = buildLaunchScript({ name, project: '~/mtr-attach-end-test', script, metaJson: '{}', wrapper: { interactive: true, stdinFifo: false }, cols: 40, rows: 8 });
  expect(sh(launch).stdout).toBe('S');
  expect(sh(`${TMUX} wait-for -S mtr-go-${name}`).status).toBe(0);
}

describe('buildAttachEndScript', () => {
  it('an ended job: its code, then the screen the wrapper captured with its colours', async () => {
    const name = `t-${randomBytes(3).toString('hex')}`;
    launchInteractive(name, "echo first; printf '\\033[31mred\\033[0m\\n'; exit 3");
    await until('the job to end', () => fs.existsSync(path.join(jobDir(name), 'rc')) && fs.existsSync(path.join(jobDir(name), 'screen')));
    await until('its session to go', () => sh(`${TMUX} has-session -t =${name}`).status !== 0);
    const end = parseAttachEnd(sh(buildAttachEndScript(name)).stdout);
    expect(end.rc).toBe(3);
    expect(end.screen).toMatch(/^first\n\x1b\[31mred\n/);
  });

  it('a running job on its alternate screen: no code, and its main screen, not what the full-screen program drew', async () => {
    const name = `t-${randomBytes(3).toString('hex')}`;
    launchInteractive(name, "echo under-it; printf '\\033[?1049hfull-screen stuff\\n'; touch drawn; sleep 30");
    await until('the program to draw', () => fs.existsSync(path.join(jobDir(name), 'drawn')));
    await until('tmux to show it', () => sh(`${TMUX} capture-pane -p -t =${name}:`).stdout.includes('full-screen stuff'));
    const end = parseAttachEnd(sh(buildAttachEndScript(name)).stdout);
    expect(end.rc).toBeUndefined();
    expect(end.screen).toContain('under-it');
    expect(end.screen).not.toContain('full-screen stuff');
  });

  it('an unknown job: nothing', () => {
    expect(sh(buildAttachEndScript('nope'))).toMatchObject({ stdout: '', status: 0 });
  });
});

describe('buildExistsScript', () => {
  const writeMeta = (name: string, text: string) => {
    fs.mkdirSync(jobDir(name), { recursive: true });
    fs.writeFileSync(path.join(jobDir(name), 'meta.json'), `${text}\n`);
  };
  const meta = (mode: 'batch' | 'interactive' | 'detached', argv: string[]) =>
    buildJobMeta({ name: 'j', argv, server: 's', cwd: '/w', started: '2026-01-01T00:00:00.000Z', mode });

  it.each([
    ['detached', meta('detached', ['sh', '-c', 'echo'])],
    ['interactive', meta('interactive', ['python3'])],
    // An argv that spells a mode field is JSON-escaped: it never looks like the record's own.
    ['batch', meta('batch', ['echo', '"mode":"interactive"', '{"mode":"interactive"}'])],
    ['', '{"name":"j","argv":["old"]}'],
  ])('prints %j for its record, exit 0', (mode, text) => {
    writeMeta('j', text);
    expect(sh(buildExistsScript('j'))).toMatchObject({ stdout: mode ? `${mode}\n` : '', status: 0 });
  });

  it('no record: exit 1, nothing printed', () => {
    expect(sh(buildExistsScript('nope'))).toMatchObject({ stdout: '', stderr: '', status: 1 });
  });
});
