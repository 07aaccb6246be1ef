import os from 'node:os';
import { defineConfig } from 'vitest/config';

// Projects mirroring src/: unit (pure code, table-driven), integration (builders run by real shells,
// tmux, sockets, file watchers; no sshd), e2e (the built binary against the run's sshd, by feature),
// and e2e-slurm (below). Only the e2e projects start the sshd, one for both.
const SLURM_FILE = 'test/e2e/slurm.test.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // An e2e file mostly waits (ssh handshakes, tmux, the job scripts' polling), so three files run
    // at once even on 2 cores, where vitest's default is one: two left a third of the CPU idle (184 s
    // against 145 s for the suite on a 2-core VM; four starved the link-cut tests' timeouts). Tests
    // tell their own processes, sockets and logins apart from other files' (unique names, own
    // runtime folders, own keys).
    maxWorkers: Math.max(3, os.availableParallelism() - 1),
    // The summary reporter prints `N passed, N failed, N skipped` last; CI reads that line.
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        // Pure code changes no process state: threads start far faster than child processes.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], pool: 'threads' },
      },
      {
        extends: true,
        // These spawn shells, tmux and watchers: child processes, not threads.
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], pool: 'forks' },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: [SLURM_FILE],
          pool: 'forks',
          // One real OpenSSH server for the run; e2e files read it with inject('sshd').
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The Slurm file mostly waits on the scheduler (its time-limit test alone is 86 s): in a
          // lane of its own (the thread pool, beside the forks) it runs alongside the other e2e
          // files instead of holding one of their two workers. Same sshd (the setup is shared).
          name: 'e2e-slurm',
          include: [SLURM_FILE],
          pool: 'threads',
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
