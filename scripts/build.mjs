// `npm run build`: bundles src/ into dist/ with esbuild. Why a bundle and not tsc's one file per
// module: every `mtr` run pays Node's module loading, and resolving and reading ~150 small files
// (ours, commander, yaml, zod) cost ~25 ms of a ~200 ms warm run. Dynamic imports stay lazy: each
// becomes its own chunk, loaded only on the paths that need it. Type checking is `tsc --noEmit`.
//
// ssh2 stays external: it locates its poly1305 WebAssembly next to its own files (__dirname), and it
// only loads when a run opens a direct connection.
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

fs.rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, 'src', 'index.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['ssh2', 'cpu-features'],
  // Bundled CommonJS packages (commander, ssh-config) call require() for Node built-ins.
  banner: { js: "import { createRequire as __mtrCreateRequire } from 'node:module'; const require = __mtrCreateRequire(import.meta.url);" },
  define: { __MTR_BUILD__: JSON.stringify(sourceHash(path.join(root, 'src'))) },
  sourcemap: 'linked',
  minify: true,
  logLevel: 'warning',
});
