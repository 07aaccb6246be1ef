import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { Context } from '../../../src/context.js';
import { ConfigError, UsageError } from '../../../src/errors.js';

let tmp: string;
let home: string;
let project: string;
beforeEach(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-load-')));
  home = path.join(tmp, 'home');
  project = path.join(tmp, 'work', 'proj');
  fs.mkdirSync(path.join(project, 'src'), { recursive: true });
  fs.mkdirSync(home);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};
const context = (cwd: string, env: NodeJS.ProcessEnv = {}): Context => ({
  cwd,
  env,
  homedir: home,
  stdin: new PassThrough(),
  stdout: new PassThrough(),
  stderr: new PassThrough(),
  stdinIsData: false,
});
const errorOf = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('loadConfig', () => {
  it('loads the project config from a subfolder', async () => {
    write(path.join(project, '.mtr/config.yaml'), 'servers:\n  gpu: {host: g, key_filename: keys/id}\n');
    const config = await loadConfig(context(path.join(project, 'src')));
    expect(config).toMatchObject({
      projectRoot: project,
      configPath: path.join(project, '.mtr/config.yaml'),
      serverNames: ['gpu'],
      servers: { gpu: { host: 'g', keyFilename: path.join(project, 'keys/id'), remoteDir: '~/mtr/proj' } },
      warnings: [],
    });
  });

  it.each([
    ['~/.config', (): NodeJS.ProcessEnv => ({}), () => path.join(home, '.config/mtr/config.yaml')],
    ['$XDG_CONFIG_HOME', (): NodeJS.ProcessEnv => ({ XDG_CONFIG_HOME: path.join(tmp, 'xdg') }), () => path.join(tmp, 'xdg/mtr/config.yaml')],
  ])('merges the user config from %s', async (_name, env, userFile) => {
    write(userFile(), 'defaults: {user: me, key_filename: id}\nservers:\n  home: {host: h}\n  gpu: {port: 2}\n');
    write(path.join(project, '.mtr/config.yaml'), 'servers:\n  gpu: {host: g}\n');
    const config = await loadConfig(context(project, env()));
    expect(config.serverNames).toEqual(['gpu', 'home']);
    expect(config.servers.gpu).toMatchObject({ host: 'g', user: 'me', port: 2, keyFilename: path.join(path.dirname(userFile()), 'id') });
  });

  it('lets the user config give a project server its host', async () => {
    write(path.join(home, '.config/mtr/config.yaml'), 'servers:\n  gpu: {host: from-user}\n');
    write(path.join(project, '.mtr/config.yaml'), 'default: gpu\nservers:\n  gpu: {remote_dir: /data/p}\n');
    const config = await loadConfig(context(project));
    expect(config.servers.gpu).toMatchObject({ host: 'from-user', remoteDir: '/data/p' });
  });

  it('says how to create a config when there is none', async () => {
    const error = await errorOf(loadConfig(context(project)));
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({
      message: `no .mtr/config.yaml found in ${project} or any parent folder`,
      hint: 'run `mtr --init` to create one',
    });
  });

  it.each([
    ['bad YAML', 'servers:\n\tgpu: x\n', ['.mtr/config.yaml:2:1: Tabs are not allowed as indentation']],
    [
      'every problem and the unknown keys',
      'servers:\n  gpu:\n    hots: g\n    port: seventy\n',
      [
        '.mtr/config.yaml:2: servers.gpu.host: missing (expected a host name or ~/.ssh/config alias)',
        '.mtr/config.yaml:4: servers.gpu.port: expected an integer 1-65535, got "seventy"',
        '.mtr/config.yaml:3: servers.gpu.hots: unknown key (did you mean "host"?)',
      ],
    ],
  ])('reports %s with file and line', async (_name, text, problems) => {
    write(path.join(project, '.mtr/config.yaml'), text);
    const error = await errorOf(loadConfig(context(project)));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(problems);
  });

  it('names the user config with ~ in its problems', async () => {
    write(path.join(home, '.config/mtr/config.yaml'), 'defaults: {port: 0}\n');
    write(path.join(project, '.mtr/config.yaml'), 'servers:\n  gpu: {host: g}\n');
    const error = await errorOf(loadConfig(context(project)));
    expect((error as ConfigError).problems).toEqual(['~/.config/mtr/config.yaml:1: defaults.port: expected an integer 1-65535, got 0']);
  });

  it('shows the project file as an absolute path from a subfolder', async () => {
    write(path.join(project, '.mtr/config.yaml'), 'servers: {}\n');
    const error = await errorOf(loadConfig(context(path.join(project, 'src'))));
    expect((error as ConfigError).problems).toEqual([`${project}/.mtr/config.yaml:1: servers: expected at least one server, got none`]);
  });

  it('reports an unreadable user config', async () => {
    fs.mkdirSync(path.join(home, '.config/mtr/config.yaml'), { recursive: true });
    write(path.join(project, '.mtr/config.yaml'), 'servers:\n  gpu: {host: g}\n');
    const error = await errorOf(loadConfig(context(project)));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('~/.config/mtr/config.yaml is a folder, not a file');
  });

  it('names a binary project config without echoing it', async () => {
    write(path.join(project, '.mtr/config.yaml'), 'servers:\n');
    fs.appendFileSync(path.join(project, '.mtr/config.yaml'), Buffer.from([0x00, 0x1b, 0x5b, 0x32, 0x4a, 0xff]));
    const error = await errorOf(loadConfig(context(project)));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(['.mtr/config.yaml is not a text file (control byte 0x00 at line 2, column 1)']);
    expect((error as ConfigError).hint).toMatch(/mtr --init --force/);
  });

  it('does not read a config of megabytes', async () => {
    write(path.join(project, '.mtr/config.yaml'), `servers: {gpu: {host: g}}\n#${'x'.repeat(2_000_000)}\n`);
    const error = await errorOf(loadConfig(context(project)));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('.mtr/config.yaml is 2.0 MB; a config file is a few KB of YAML');
  });
});
