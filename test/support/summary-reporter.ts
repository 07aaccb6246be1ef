// Prints one plain last line, `N passed, N failed, N skipped`, that CI greps.
import fs from 'node:fs';
import type { Reporter, TestModule, TestRunEndReason, Vitest } from 'vitest/node';

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export default class SummaryReporter implements Reporter {
  #watch = false;
  #last: Counts | undefined;

  onInit(vitest: Vitest): void {
    this.#watch = Boolean(vitest.config.watch);
    // In `vitest run` the line goes out at process exit, after everything vitest prints
    // (its own summary and errors thrown by global setup or teardown).
    if (!this.#watch) process.once('exit', () => this.#last && fs.writeSync(1, `\n${formatSummary(this.#last)}\n`));
  }

  async onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<unknown>,
    reason: TestRunEndReason,
  ): Promise<void> {
    this.#last = countTests(testModules, unhandledErrors.length, reason);
    if (!this.#watch) return;
    // Watch mode: the default reporter's summary (onFinished) runs right after this hook; let it go first.
    await new Promise((resolve) => setImmediate(resolve));
    process.stdout.write(`\n${formatSummary(this.#last)}\n`);
  }
}

export function formatSummary({ passed, failed, skipped }: Counts): string {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}

// A file that fails to load, or a hook failing before any test fails, counts as one failed test,
// and so does each unhandled error and a run that failed without any: a broken run never reads "0 failed".
export function countTests(testModules: ReadonlyArray<TestModule>, unhandledErrors = 0, reason?: TestRunEndReason): Counts {
  const counts: Counts = { passed: 0, failed: unhandledErrors, skipped: 0 };
  for (const module of testModules) {
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') counts.failed++;
      else counts.skipped++; // skipped, todo, and pending (never ran: interrupted run)
    }
    // A failed suite or module with no failed test inside failed in a hook or while loading.
    for (const entity of [module, ...module.children.allSuites()]) {
      const failed = entity.state() === 'failed' || entity.errors().length > 0;
      if (failed && entity.children.allTests('failed').next().done) counts.failed++;
    }
  }
  if (reason === 'failed' && counts.failed === 0) counts.failed = 1;
  return counts;
}
