// The one string order mtr sorts paths in: plain UTF-16 code units, so every directory sorts before
// its contents (`a` < `a-b` < `a/b`), the same on every machine and locale.
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
