#!/usr/bin/env node
// Shim: `mtr --version` answers from one tiny module (scripts poll it); everything else goes to main().
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { VERSION } = await import('../dist/version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('../dist/index.js');
  await main(args);
}
