import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildStopScript } from '../../../src/watch/restart-plan.js';
import { processTable } from '../../support/processes.js';

describe('buildStopScript, run by sh', () => {
  const homes: string[] = [];
  afterEach(() => homes.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  // A real process group stands in for a job: its leader ignores SIGINT, so only SIGTERM ends it.
  it('stops a real process group that shrugs off SIGINT, within the grace period', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-stop-'));
    homes.push(home);
    const dir = path.join(home, '.mtr', 'jobs', 'fixture-1');
    fs.mkdirSync(dir, { recursive: true });
    const group = spawn('sh', ['-c', "trap '' INT; sleep 30 & echo ready; wait"], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => group.once('exit', (_code, signal) => resolve(signal)));
    try {
      // Only once the trap is in place does SIGINT mean "shrugged off".
      await new Promise<void>((resolve) => group.stdout!.once('data', () => resolve()));
      fs.writeFileSync(path.join(dir, 'pid'), `${group.pid}\n`);
      const result = spawnSync('sh', ['-c', buildStopScript('fixture-1', 0.5)], { env: { ...process.env, HOME: home }, encoding: 'utf8', timeout: 10_000 });
      expect(result.status).toBe(0);
      // What --kill reports (jobs/kill-outcome.ts): SIGTERM did it; no wrapper wrote a code, so 137.
      expect(result.stdout).toBe('TERM 137\n');
      expect(fs.readFileSync(path.join(dir, 'rc'), 'utf8').trim()).toBe('137');
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 5000));
      expect(await Promise.race([exited, timeout])).toBe('SIGTERM');
      expect(processTable().filter((p) => p.pgid === group.pid && p.state !== 'Z')).toEqual([]);
    } finally {
      try {
        process.kill(-(group.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('does nothing for a job that already ended (rc present) or never existed', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-stop-'));
    homes.push(home);
    const dir = path.join(home, '.mtr', 'jobs', 'done-1');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'rc'), '0\n');
    fs.writeFileSync(path.join(dir, 'pid'), '1\n');
    for (const [name, said] of [['done-1', 'ended 0\n'], ['missing-1', 'ended\n']] as const) {
      const result = spawnSync('sh', ['-c', buildStopScript(name, 0.5)], { env: { ...process.env, HOME: home }, encoding: 'utf8', timeout: 10_000 });
      expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: said });
    }
    expect(fs.readFileSync(path.join(dir, 'rc'), 'utf8')).toBe('0\n');
  });
});
