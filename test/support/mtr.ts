// Run the built `mtr` binary (or any command) as a subprocess with a clean env, and make temp projects
// whose .mtr/config.yaml points at the run-wide test sshd.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { useSshd, type SshdInfo } from './sshd.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MTR_BIN = path.join(REPO_ROOT, 'bin', 'mtr.cjs');

export interface RunOptions {
  cwd: string;
  /** Added to the clean env (PATH, LANG=C.UTF-8, USER, LOGNAME). Without HOME an empty per-process home is used. */
  env?: Record<string, string>;
  /** Piped to stdin, then EOF. Without it stdin is /dev/null. */
  input?: string | Buffer;
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBuf: Buffer;
  stderrBuf: Buffer;
  /** True when the process was killed because it outlived `timeoutMs`. */
  timedOut: boolean;
}

export interface Running {
  child: ChildProcess;
  result: Promise<RunResult>;
}

/** `node bin/mtr.cjs ...args`; resolves (never rejects on exit codes) when it exits. */
export function runMtr(args: string[], opts: RunOptions): Promise<RunResult> {
  return spawnMtr(args, opts).result;
}

/** Like runMtr, but hands out the child too (to send signals or write stdin while it runs). */
export function spawnMtr(args: string[], opts: RunOptions): Running {
  return spawnProcess(process.execPath, [MTR_BIN, ...args], opts);
}

/** The env every subprocess starts from: nothing of the developer's shell leaks in (no SSH_AUTH_SOCK). */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const { username } = os.userInfo();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    USER: username,
    LOGNAME: username,
    // mtr keeps shared connections' sockets under XDG_RUNTIME_DIR: per test run, cleaned up after it.
    ...(process.env.MTR_TEST_RUNTIME_DIR ? { XDG_RUNTIME_DIR: process.env.MTR_TEST_RUNTIME_DIR } : {}),
    ...extra,
  };
  if (env.HOME === undefined) {
    // Never the developer's real home: one empty HOME per test process.
    env.HOME = path.join(os.tmpdir(), `mtr-empty-home-${process.pid}`);
    fs.mkdirSync(env.HOME, { recursive: true, mode: 0o700 });
  }
  return env;
}

export function spawnProcess(command: string, args: string[], opts: RunOptions): Running {
  const { cwd, input, timeoutMs = 30_000 } = opts;
  // Own process group, so a timeout also ends ssh/rsync children the command started.
  const child = spawn(command, args, {
    cwd,
    env: cleanEnv(opts.env),
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const result = new Promise<RunResult>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), 2000).unref();
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBuf = Buffer.concat(stdout);
      const stderrBuf = Buffer.concat(stderr);
      resolve({
        code,
        signal,
        stdout: stdoutBuf.toString('utf8'),
        stderr: stderrBuf.toString('utf8'),
        stdoutBuf,
        stderrBuf,
        timedOut,
      });
    });
  });
  if (input !== undefined) {
    child.stdin!.on('error', () => {}); // the command may exit without reading its input
    child.stdin!.end(input);
  }
  return { child, result };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

export interface MakeProjectOptions {
  /**
   * A YAML string is the whole .mtr/config.yaml, with `{{host}} {{port}} {{user}} {{clientKey}}
   * {{remoteDir}} {{passwordUser}} {{password}}` replaced. An object maps server names to settings
   * merged over the test server (host, port, key_filename, remote_dir); `undefined` removes a key.
   * Default: one server `test`.
   */
  servers?: string | Record<string, Record<string, unknown> | null>;
  /** Extra top-level config keys (e.g. `defaults`) when `servers` is not a string. */
  config?: Record<string, unknown>;
  /** Files to create, relative to the project root. */
  files?: Record<string, string | Buffer>;
  /** Create remote_dir up front; by default it does not exist yet, like on a first run. */
  createRemoteDir?: boolean;
  sshd?: SshdInfo;
}

export interface Project {
  root: string;
  home: string;
  /** Absolute remote_dir of the default test server (same machine, under the sshd dir). */
  remoteDir: string;
  env: Record<string, string>;
  sshd: SshdInfo;
  run(args: string[], opts?: Partial<RunOptions>): Promise<RunResult>;
  spawn(args: string[], opts?: Partial<RunOptions>): Running;
}

/** A temp project + HOME (whose ~/.ssh/known_hosts trusts the test sshd) + a fresh remote dir. */
export function makeProject(options: MakeProjectOptions = {}): Project {
  const sshd = options.sshd ?? useSshd();
  const base = fs.mkdtempSync(path.join(sshd.localRoot, 'project-'));
  const root = path.join(base, 'project');
  const home = path.join(base, 'home');
  const remoteDir = path.join(fs.mkdtempSync(path.join(sshd.remoteRoot, 'r-')), 'project');
  fs.chmodSync(path.dirname(remoteDir), 0o777);
  if (options.createRemoteDir) fs.mkdirSync(remoteDir, { mode: 0o777 });

  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), `${sshd.knownHostsLine}\n`);
  fs.mkdirSync(path.join(root, '.mtr'), { recursive: true });
  fs.writeFileSync(path.join(root, '.mtr', 'config.yaml'), buildConfigYaml(sshd, remoteDir, options));
  for (const [file, content] of Object.entries(options.files ?? {})) {
    const target = path.join(root, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }

  const env = { HOME: home };
  const withDefaults = (opts: Partial<RunOptions> = {}): RunOptions => ({
    ...opts,
    cwd: opts.cwd ?? root,
    env: { ...env, ...opts.env },
  });
  return {
    root,
    home,
    remoteDir,
    env,
    sshd,
    run: (args, opts) => runMtr(args, withDefaults(opts)),
    spawn: (args, opts) => spawnMtr(args, withDefaults(opts)),
  };
}

export function buildConfigYaml(sshd: SshdInfo, remoteDir: string, options: MakeProjectOptions): string {
  const { servers, config = {} } = options;
  if (typeof servers === 'string') {
    const values: Record<string, string> = {
      host: sshd.host,
      port: String(sshd.port),
      user: sshd.user,
      clientKey: sshd.clientKey,
      remoteDir,
      passwordUser: sshd.password?.user ?? '',
      password: sshd.password?.password ?? '',
    };
    return servers.replace(/\{\{(\w+)\}\}/g, (match, name: string) => values[name] ?? match);
  }
  const base = { host: sshd.host, port: sshd.port, key_filename: sshd.clientKey, remote_dir: remoteDir };
  const entries = Object.entries(servers ?? { test: {} });
  const merged = Object.fromEntries(entries.map(([name, server]) => [name, { ...base, ...server }]));
  return stringify({ default: entries[0]?.[0], ...config, servers: merged });
}
