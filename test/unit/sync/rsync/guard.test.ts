// The remote rsync guard, run for real by /bin/sh against tiny stand-ins for rsync.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildRsyncGuardScript } from '../../../../src/sync/rsync/guard.js';

const hasProc = fs.existsSync('/proc/self/io');

function runGuarded(command: string[], guard: { checkSeconds: number; idleSeconds: number }, feed?: (stdin: NodeJS.WritableStream) => void) {
  const started = Date.now();
  const child = spawn('sh', ['-c', buildRsyncGuardScript(guard), 'mtr-rsync', ...command], { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  if (feed) feed(child.stdin);
  else child.stdin.end();
  return new Promise<{ code: number | null; signal: string | null; stdout: string; ms: number }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, ms: Date.now() - started })),
  );
}

describe('buildRsyncGuardScript', () => {
  it('is one line with nothing a login shell could mangle inside single quotes', () => {
    expect(buildRsyncGuardScript({ checkSeconds: 5, idleSeconds: 60 })).not.toMatch(/['\\\n]/);
  });

  it.skipIf(!hasProc)('stops a command that reads nothing for idleSeconds (SIGTERM)', async () => {
    const result = await runGuarded(['sh', '-c', 'exec sleep 30'], { checkSeconds: 1, idleSeconds: 2 });
    expect(result.signal).toBe('SIGTERM');
    expect(result.ms).toBeGreaterThanOrEqual(2000);
    expect(result.ms).toBeLessThan(6000);
  });

  it.skipIf(!hasProc)('leaves a command alone while it keeps reading, however slowly', async () => {
    const result = await runGuarded(['sh', '-c', 'n=0; while read -r x; do n=$((n+1)); done; echo "$n"'], { checkSeconds: 1, idleSeconds: 2 }, (stdin) => {
      let sent = 0;
      const timer = setInterval(() => {
        stdin.write('x\n');
        if (++sent === 8) {
          clearInterval(timer);
          stdin.end();
        }
      }, 600);
    });
    expect({ code: result.code, signal: result.signal, stdout: result.stdout }).toEqual({ code: 0, signal: null, stdout: '8\n' });
  });

  it('passes the exit status and output through, and its watcher keeps no pipe open', async () => {
    const result = await runGuarded(['sh', '-c', 'echo "$@"; exit 3', 'x', 'a b', "it's"], { checkSeconds: 5, idleSeconds: 60 });
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 3, stdout: "a b it's\n" });
    expect(result.ms).toBeLessThan(2000);
  });
});
