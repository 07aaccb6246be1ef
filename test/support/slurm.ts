// The Slurm cluster of the Slurm e2e files: started by the file that needs it (beforeAll), stopped
// after it, so runs without those files never start one. Clients find it by SLURM_CONF, which the
// test servers export in pre_cmd, as a real user's profile would.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
// @ts-ignore plain JS helper (no .d.ts)
import { canRunSlurm, startSlurm } from '../../scripts/slurm-rig.mjs';
import { injectSshd, type SshdInfo } from './sshd.js';

export interface SlurmRig {
  dir: string;
  conf: string;
  /** cwd for Slurm client commands run by the tests (slurm-N.out lands here, never in the repo). */
  work: string;
  env: NodeJS.ProcessEnv;
  nodes: string[];
  partition: string;
  stop(): Promise<void>;
}

/** Why the Slurm tests cannot run here, or undefined. */
export function slurmSkipReason(): string | undefined {
  const sshd = injectSshd();
  if (sshd.skipReason) return sshd.skipReason;
  const check = canRunSlurm() as { ok: boolean; reason?: string };
  return check.ok ? undefined : check.reason;
}

/**
 * `describe` with the rig: skipped loudly (reason in the title and on stderr) when it cannot run,
 * and under CI=true a failure instead. `body` gets the rig through a getter (it starts in beforeAll).
 */
export function describeSlurm(name: string, body: (env: { sshd: SshdInfo; rig: () => SlurmRig }) => void): void {
  const reason = slurmSkipReason();
  if (reason && process.env.CI) throw new Error(`Slurm tests cannot run on CI: ${reason}`);
  if (reason) process.stderr.write(`\n!!  SLURM TESTS ARE SKIPPED: ${reason}\n\n`);
  const title = reason ? `${name} [skipped: ${reason}]` : name;
  describe.skipIf(Boolean(reason))(title, () => {
    let rig: SlurmRig | undefined;
    beforeAll(async () => {
      rig = (await startSlurm({ dir: fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-slurm-')) })) as SlurmRig;
    }, 60_000);
    afterAll(async () => {
      await rig?.stop();
    }, 60_000);
    const sshd = injectSshd().info as SshdInfo;
    body({
      sshd,
      rig: () => {
        if (!rig) throw new Error('the Slurm rig is not running');
        return rig;
      },
    });
  });
}

/** A Slurm client command against the rig (squeue, scontrol, …): stdout, trimmed. */
export function slurmCommand(rig: SlurmRig, command: string, args: string[]): string {
  const result = spawnSync(command, args, { env: rig.env, cwd: rig.work, encoding: 'utf8', timeout: 15_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout.trim();
}

/** The newest Slurm job of this name: id and state (`squeue -t all`), or undefined. */
export function slurmJob(rig: SlurmRig, name: string): { id: number; state: string; nodes: string } | undefined {
  const out = slurmCommand(rig, 'squeue', ['-h', '-t', 'all', '-n', name, '-o', '%i %T %N']);
  const last = out.split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/)).sort((a, b) => Number(a[0]) - Number(b[0])).pop();
  if (!last) return undefined;
  return { id: Number(last[0]), state: last[1] ?? '', nodes: last[2] ?? '' };
}

/** Server settings for a cluster server on the rig (merged over the test server by makeProject). */
export function clusterServer(rig: SlurmRig, slurm: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { pre_cmd: `export SLURM_CONF=${rig.conf}`, slurm, ...extra };
}
