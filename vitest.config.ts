import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // unit: pure code, table-driven · integration: builders run by real shells, tmux, sockets, file
    // watchers (no sshd); both mirror src/ · e2e: the built binary against the run's sshd, by feature.
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    // One real OpenSSH server for the run; e2e files read it with inject('sshd').
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests spawn ssh/rsync/tmux and change no globals of their own: child processes, not threads.
    pool: 'forks',
    // An e2e file mostly waits (ssh handshakes, tmux, the job scripts' polling), so two files run at
    // once even on 2 cores, where vitest's default is one. Tests tell their own processes, sockets
    // and logins apart from other files' (unique names, own runtime folders, own keys).
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    // The summary reporter prints `N passed, N failed, N skipped` last; CI reads that line.
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
