// `npm run build`: bundles src/ into dist/ with esbuild: dist/mtr.cjs (the program, one file) and
// dist/boot.cjs (src/boot.ts: loads it through V8's code cache). Why one file and not tsc's one file
// per module, or esbuild's ES module chunks: every `mtr` run pays Node's module loading, and a warm
// run loaded 67 chunks; one CommonJS file can go through a code cache, ES modules cannot on Node 20.
// Dynamic imports stay lazy: esbuild wraps each lazily imported module in a function that runs on
// its first import(), so the MCP server's code, say, is in the file but never runs on other paths.
// Type checking is `tsc --noEmit`.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist');

// Identifies this build's code (src/config/cache.ts keeps a parsed config only for the same build).
function sourceHash(dir) {
  const hash = createHash('sha256');
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name)).sort()) {
    hash.update(`${path.relative(dir, entry)}\0`).update(fs.readFileSync(entry));
  }
  hash.update(fs.readFileSync(path.join(root, 'package-lock.json')));
  return hash.digest('hex').slice(0, 16);
}

// ssh2 is bundled too (its load was ~50 ms of every run that opens mtr's own connection, now in the
// code cache); its poly1305 WebAssembly is inline. Its optional native crypto binding, built when
// npm installs ssh2 (a runtime dependency for that reason), is still loaded from the installed
// package; where it was not built, ssh2 falls back to its JavaScript code as before.
const ssh2NativeBinding = {
  name: 'ssh2-native-binding',
  setup(b) {
    b.onResolve({ filter: /sshcrypto\.node$/ }, () => ({ path: 'sshcrypto', namespace: 'ssh2-native-binding' }));
    // Only a binding built for the ssh2 the bundle holds: another version's C++ side may not match
    // this JavaScript (ssh2 catches the throw and uses its JavaScript crypto).
    const bundled = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'ssh2', 'package.json'), 'utf8')).version;
    b.onLoad({ filter: /.*/, namespace: 'ssh2-native-binding' }, () => ({
      contents: [
        "const path = require('node:path');",
        "const installed = require('ssh2/package.json');",
        `if (installed.version !== ${JSON.stringify(bundled)}) throw new Error('ssh2 ' + installed.version + ' installed, ${bundled} bundled');`,
        "module.exports = require(path.join(path.dirname(require.resolve('ssh2/package.json')), 'lib/protocol/crypto/build/Release/sshcrypto.node'));",
      ].join('\n'),
      loader: 'js',
    }));
  },
};

fs.rmSync(outdir, { recursive: true, force: true });
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // import() becomes require(): the bundle runs as a vm.Script (src/boot.ts), which has no ES module loader.
  supported: { 'dynamic-import': false },
  external: ['cpu-features', 'ssh2/package.json'],
  plugins: [ssh2NativeBinding],
  define: { __MTR_BUILD__: JSON.stringify(sourceHash(path.join(root, 'src'))) },
  minify: true,
  logLevel: 'warning',
};
await build({ ...common, entryPoints: [path.join(root, 'src', 'boot.ts')], outfile: path.join(outdir, 'boot.cjs') });
await build({ ...common, entryPoints: [path.join(root, 'src', 'index.ts')], outfile: path.join(outdir, 'mtr.cjs'), sourcemap: 'linked', charset: 'ascii' });
// src/boot.ts reads the bundle as latin1 (no UTF-8 decoding): that is only the same text for ASCII.
const nonAscii = fs.readFileSync(path.join(outdir, 'mtr.cjs')).findIndex((byte) => byte > 0x7f);
if (nonAscii !== -1) throw new Error(`dist/mtr.cjs is not ASCII (byte ${nonAscii}): src/boot.ts reads it as latin1`);
