// Pure pieces of a fan-out: the combined exit code and the closing summary.

export interface HostResult {
  name: string;
  code: number;
  ms: number;
  /** One-line reason when the host never ran the command (connect/sync/start failure). */
  failure?: string;
}

// 0 when every host returned 0, else the largest code (as pdsh does); unreachable hosts count 255.
export function combineExitCodes(results: readonly HostResult[]): number {
  return results.reduce((max, r) => Math.max(max, r.code), 0);
}

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
