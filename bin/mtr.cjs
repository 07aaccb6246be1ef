#!/usr/bin/env node
'use strict';
// Shim: scripts poll `mtr --version`, answered here from package.json; everything else goes to
// dist/boot.cjs (src/boot.ts), which loads the program through its code cache.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  require('../dist/boot.cjs').boot(args);
}
