// The npm package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a fresh
// prefix (no dev dependencies, no build step), then the installed `mtr` runs against the rig.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sourcesRun } from '../support/bundle-coverage.js';
import { cleanEnv, makeProject, REPO_ROOT, spawnProcess } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

function npm(args: string[], cwd: string): string {
  const result = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

describeE2E('the npm package', (sshd) => {
  let dir: string;
  let installed: string;
  let files: string[];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-pack-'));
    // dist/ is already built for this run; `prepack` would rebuild it under the other test files' feet.
    const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], REPO_ROOT)) as { filename: string; files: { path: string }[] }[];
    files = packed[0]!.files.map((f) => f.path);
    npm(['install', '-g', '--prefix', path.join(dir, 'prefix'), '--prefer-offline', '--ignore-scripts', path.join(dir, packed[0]!.filename)], dir);
    installed = path.join(dir, 'prefix', 'bin', 'mtr');
  }, 150_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('holds the built program and its docs, not the sources or tests, and builds before packing', () => {
    expect(files).toContain('bin/mtr.cjs');
    expect(files).toContain('dist/boot.cjs');
    expect(files).toContain('dist/mtr.cjs');
    expect(files).toContain('README.md');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('bench/'))).toEqual([]);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; engines: { node: string } };
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(pkg.engines.node).toBe('>=20');
  });

  it('installs with only its runtime dependency and answers --version, --help and a real run', async () => {
    const modules = fs.readdirSync(path.join(dir, 'prefix', 'lib', 'node_modules', 'mtr-remote', 'node_modules'));
    expect(modules).toContain('ssh2');
    expect(modules).not.toContain('vitest');
    expect(modules).not.toContain('commander');
    const version = spawnSync(installed, ['--version'], { encoding: 'utf8', env: cleanEnv() });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = spawnSync(installed, ['--help'], { encoding: 'utf8', env: cleanEnv() });
    expect(help.stdout).toMatch(/^Usage: mtr \[options\]/);
    const p = makeProject({ sshd, files: { 'hello.txt': 'from the package\n' } });
    const run = await spawnProcess(installed, ['--no-tty', 'cat', 'hello.txt'], { cwd: p.root, env: p.env }).result;
    expect(run.stdout).toBe('from the package\n');
    expect(run.code).toBe(0);
  });

  it("asks the installed ssh2 package for its optional native crypto binding (ssh2's JavaScript is bundled)", async () => {
    const p = makeProject({ sshd });
    // Records what the program require()s by path: the binding must be looked up in the installed
    // ssh2 (npm builds it there when it can), not next to the bundle. Without a build (this install
    // skipped scripts) the lookup fails and ssh2 uses its JavaScript crypto, as it always has.
    const preload = path.join(dir, 'record-requires.cjs');
    const record = path.join(dir, 'requires.txt');
    fs.writeFileSync(preload, `const Module = require('node:module'); const fs = require('node:fs'); const original = Module.prototype.require;
Module.prototype.require = function (id) { if (String(id).endsWith('.node')) fs.appendFileSync(${JSON.stringify(record)}, id + '\\n'); return original.apply(this, arguments); };`);
    const run = await spawnProcess(installed, ['--no-tty', '--no-reuse', 'echo', 'direct'], { cwd: p.root, env: { ...p.env, NODE_OPTIONS: `--require ${preload}` } }).result;
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 0, stdout: 'direct\n', stderr: '' });
    const ssh2Dir = path.join(dir, 'prefix', 'lib', 'node_modules', 'mtr-remote', 'node_modules', 'ssh2');
    expect(fs.readFileSync(record, 'utf8').split('\n').filter(Boolean)).toContain(path.join(ssh2Dir, 'lib', 'protocol', 'crypto', 'build', 'Release', 'sshcrypto.node'));
  });

  it('serves `mtr --mcp` from the bundle alone, and runs the MCP SDK only on that path', async () => {
    const p = makeProject({ sshd });
    const bundle = path.join(dir, 'prefix', 'lib', 'node_modules', 'mtr-remote', 'dist', 'mtr.cjs');
    const sdkRan = (coverage: string) => [...sourcesRun(coverage, bundle)].filter(([source]) => source.includes('@modelcontextprotocol/sdk'));
    const mcpCoverage = path.join(dir, 'coverage-mcp');
    const client = new Client({ name: 'package-test', version: '0' });
    await client.connect(new StdioClientTransport({ command: installed, args: ['--mcp'], cwd: p.root, env: cleanEnv({ ...p.env, NODE_V8_COVERAGE: mcpCoverage }), stderr: 'ignore' }));
    try {
      expect((await client.listTools()).tools).toHaveLength(11);
    } finally {
      await client.close();
    }
    // The check can fail: under --mcp the SDK's functions show as run.
    expect(sdkRan(mcpCoverage).length).toBeGreaterThan(3);
    // The bundle carries the SDK, but a run never executes a line of it (esbuild wraps a lazily
    // imported module in a function that runs on its first import()).
    const runCoverage = path.join(dir, 'coverage-run');
    const run = await spawnProcess(installed, ['--no-tty', 'true'], { cwd: p.root, env: { ...p.env, NODE_V8_COVERAGE: runCoverage } }).result;
    expect(run.code, run.stderr).toBe(0);
    expect(sourcesRun(runCoverage, bundle).size).toBeGreaterThan(20);
    expect(sdkRan(runCoverage)).toEqual([]);
  });
});
