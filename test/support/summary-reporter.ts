// Prints one plain last line, `N passed, N failed, N skipped`, that CI greps.
import type { Reporter, TestModule } from 'vitest/node';

interface SerializedErrorLike {
  message?: string;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedErrorLike>): void {
    const counts = countTests(testModules, unhandledErrors.length);
    process.stdout.write(`\n${formatSummary(counts)}\n`);
  }
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export function formatSummary({ passed, failed, skipped }: Counts): string {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}

// A file that fails to load, or a hook failing before any test fails, counts as one failed test,
// and so does each unhandled error: a broken run must never read "0 failed".
export function countTests(testModules: ReadonlyArray<TestModule>, unhandledErrors = 0): Counts {
  const counts: Counts = { passed: 0, failed: unhandledErrors, skipped: 0 };
  for (const module of testModules) {
    let failedHere = 0;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') failedHere++;
      else counts.skipped++; // skipped, todo, and pending (never ran: interrupted run)
    }
    const suiteFailed = module.state() === 'failed' || [...module.children.allSuites()].some((s) => s.state() === 'failed');
    if (failedHere === 0 && (suiteFailed || module.errors().length > 0)) failedHere = 1;
    counts.failed += failedHere;
  }
  return counts;
}
