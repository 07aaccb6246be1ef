import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLockedStart } from '../../../src/ssh/control.js';

describe('buildLockedStart, run by /bin/sh', () => {
  it.each([
    ['succeeds', ['true']],
    ['fails', ['sh', '-c', 'exit 3']],
    ['is stopped by SIGTERM (as `pkill -f <socket>` does)', ['sh', '-c', 'kill -TERM $PPID; sleep 0.2']],
  ])('removes the lock once the start %s (run by /bin/sh; an odd path stays one word)', (_how, argv) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-lock-'));
    const lock = path.join(dir, "k '$(touch pwned) x.starting");
    fs.writeFileSync(lock, '');
    spawnSync('/bin/sh', buildLockedStart(lock, argv), { cwd: dir });
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true });
  });
});
