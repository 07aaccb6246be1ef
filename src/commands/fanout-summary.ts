import type { HostResult } from './results.js';

// The closing summary of a fan-out (pure): one line per host.

/** `what`: e.g. "job train-1a2b3c" or "--jobs". */
export function formatFanOutSummary(what: string, results: readonly HostResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length), 4);
  const lines = results.map((r) => {
    const state = `exit ${r.code}`.padEnd(8);
    const note = r.failure ? `  (${r.failure})` : '';
    return `  ${r.name.padEnd(width)}  ${state}  ${(r.ms / 1000).toFixed(1)} s${note}`;
  });
  return `mtr: ${what} on ${results.length} servers:\n${lines.join('\n')}\n`;
}
