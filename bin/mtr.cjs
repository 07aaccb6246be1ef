#!/usr/bin/env node
'use strict';
// Shim: CommonJS because Node starts a .cjs file faster than an ES module, and scripts poll
// `mtr --version`, answered here from package.json; everything else goes to main() in dist/.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  import('../dist/index.js').then(({ main }) => main(args));
}
