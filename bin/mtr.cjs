#!/bin/sh
':' //; [ -z "${NODE_EXTRA_CA_CERTS+x}" ] || { MTR_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export MTR_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS; }; exec node "$0" "$@"
'use strict';
// This file is a shell script and a CommonJS module at once. As a script (its first two lines) it
// starts Node on itself, keeping NODE_EXTRA_CA_CERTS out of Node's start: Node 20 with OpenSSL 3
// parses every root certificate at startup when it is set (nodejs/node#40524), ~55 ms per run on a
// machine with the system bundle there, and mtr makes no TLS connections. src/boot.ts puts it back
// for the processes mtr starts. To Node, line 2 is a string and a comment.
//
// Scripts poll `mtr --version`, answered here from package.json; everything else goes to
// dist/boot.cjs (src/boot.ts), which loads the program through its code cache.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  try {
    require('../dist/boot.cjs').boot(args);
  } catch (error) {
    // A clone that was never built: one line with the fix, not Node's stack.
    const missing = error && (error.code === 'MODULE_NOT_FOUND' || error.code === 'ENOENT') && /dist[\\/](boot|mtr)\.cjs/.test(String(error.message));
    if (!missing) throw error;
    process.stderr.write("mtr: the built program is missing (dist/): run `npm run build` in mtr's folder\n");
    process.exitCode = 1;
  }
}
