import { describe, expect, it } from 'vitest';
import { expandLocalPath, getDefaultRemoteDir, normalizeConfig, type ConfigSource } from '../../../src/config/normalize.js';
import { parseYamlWithPositions } from '../../../src/config/parse.js';
import { validateConfig } from '../../../src/config/validate.js';
import { ConfigError } from '../../../src/errors.js';

const HOME = '/home/alice';
const ROOT = '/work/proj';
const source = (text: string, file: string, baseDir: string, partial: boolean): ConfigSource => {
  const { data, lineOf } = parseYamlWithPositions(text, file);
  const result = validateConfig(data, lineOf, file, { partial, otherServers: partial ? [] : ['home', 'gpu'] });
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return { value: result.value, file, baseDir, lineOf, warnings: result.warnings };
};
const normalize = (project: string, user?: string) =>
  normalizeConfig({
    project: source(project, '.mtr/config.yaml', ROOT, false),
    user: user === undefined ? undefined : source(user, '~/.config/mtr/config.yaml', `${HOME}/.config/mtr`, true),
    projectRoot: ROOT,
    configPath: `${ROOT}/.mtr/config.yaml`,
    homedir: HOME,
  });

describe('normalizeConfig', () => {
  it('fills defaults', () => {
    expect(normalize('servers:\n  gpu: {host: g}\n')).toEqual({
      projectRoot: ROOT,
      configPath: `${ROOT}/.mtr/config.yaml`,
      serverNames: ['gpu'],
      groups: {},
      servers: {
        gpu: {
          name: 'gpu',
          host: 'g',
          remoteDir: '~/mtr/proj',
          sync: 'auto',
          exclude: [],
          respectGitignore: true,
          delete: false,
          connectTimeout: 15,
          deadLinkTimeout: 30,
          strictHostKeyChecking: 'ask',
          reuse: true,
          reuseIdle: 600,
        },
      },
      warnings: [],
    });
  });

  const _ = (name: string, project: string, user: string | undefined, field: string, expected: unknown) => ({ name, project, user, field, expected });
  it.each([
    _('server beats defaults', 'defaults: {port: 1}\nservers:\n  gpu: {host: g, port: 2}\n', undefined, 'port', 2),
    _('defaults apply', 'defaults: {user: d}\nservers:\n  gpu: {host: g}\n', undefined, 'user', 'd'),
    _('project defaults beat user config', 'defaults: {user: p}\nservers:\n  gpu: {host: g}\n', 'defaults: {user: u}\nservers:\n  gpu: {user: us}\n', 'user', 'p'),
    _('user server beats user defaults', 'servers:\n  gpu: {host: g}\n', 'defaults: {user: u}\nservers:\n  gpu: {user: us}\n', 'user', 'us'),
    _('user config fills gaps', 'servers:\n  gpu: {host: g}\n', 'defaults: {connect_timeout: 3}\n', 'connectTimeout', 3),
    _('dead_link_timeout from the user config', 'servers:\n  gpu: {host: g}\n', 'defaults: {dead_link_timeout: 120}\n', 'deadLinkTimeout', 120),
    _('kill_grace as written, fractions too', 'servers:\n  gpu: {host: g, kill_grace: 0.5}\n', undefined, 'killGrace', 0.5),
    _('kill_grace unset: each stop uses its own default', 'servers:\n  gpu: {host: g}\n', undefined, 'killGrace', undefined),
    _('host from user config', 'servers:\n  gpu: {port: 2}\n', 'servers:\n  gpu: {host: uh}\n', 'host', 'uh'),
    _('project host wins', 'servers:\n  gpu: {host: g}\n', 'servers:\n  gpu: {host: uh}\n', 'host', 'g'),
    _(
      'exclude is joined without duplicates',
      'defaults: {exclude: [b, c]}\nservers:\n  gpu: {host: g, exclude: [c, d]}\n',
      'defaults: {exclude: [a, b]}\nservers:\n  gpu: {exclude: [u]}\n',
      'exclude',
      ['a', 'b', 'u', 'c', 'd'],
    ),
    _('~ in key path', 'servers:\n  gpu: {host: g, key_filename: ~/.ssh/id}\n', undefined, 'keyFilename', `${HOME}/.ssh/id`),
    _('relative key path → project root', 'servers:\n  gpu: {host: g, key_filename: keys/id}\n', undefined, 'keyFilename', `${ROOT}/keys/id`),
    _('relative path in user config → its folder', 'servers:\n  gpu: {host: g}\n', 'defaults: {known_hosts_file: kh}\n', 'knownHostsFile', `${HOME}/.config/mtr/kh`),
    _('absolute download_dir kept', 'servers:\n  gpu: {host: g, download_dir: /tmp/dl}\n', undefined, 'downloadDir', '/tmp/dl'),
    _('remote_dir is not expanded', 'servers:\n  gpu: {host: g, remote_dir: ~/x}\n', undefined, 'remoteDir', '~/x'),
    _('relative remote_dir is below the remote home', 'servers:\n  gpu: {host: g, remote_dir: x/y/}\n', undefined, 'remoteDir', '~/x/y'),
    _('false is not "unset"', 'defaults: {respect_gitignore: true}\nservers:\n  gpu: {host: g, respect_gitignore: false}\n', undefined, 'respectGitignore', false),
  ])('$name', ({ project, user, field, expected }) => {
    const config = normalize(project, user);
    expect(config.servers.gpu?.[field as keyof typeof config.servers.gpu]).toEqual(expected);
  });

  it('adds user servers after project servers; project wins on a name', () => {
    const config = normalize(
      'servers:\n  gpu: {host: g}\n  cpu: {host: c}\n',
      'servers:\n  home: {host: h, user: me}\n  gpu: {host: ug}\n  partial: {user: x}\n',
    );
    expect(config.serverNames).toEqual(['gpu', 'cpu', 'home']);
    expect(config.servers.home).toMatchObject({ host: 'h', user: 'me', remoteDir: '~/mtr/proj' });
    expect(config.servers.partial).toBeUndefined();
  });

  it.each([
    ['project default', 'default: cpu\nservers:\n  gpu: {host: g}\n  cpu: {host: c}\n', 'default: gpu\n', 'cpu', []],
    ['user default', 'servers:\n  gpu: {host: g}\n  cpu: {host: c}\n', 'default: cpu\n', 'cpu', []],
    [
      'user default not in project',
      'servers:\n  gpu: {host: g}\n',
      'default: a100\n',
      undefined,
      ['~/.config/mtr/config.yaml:1: default: "a100" is not a server in this project; ignored'],
    ],
  ])('%s', (_name, project, user, expected, warnings) => {
    const config = normalize(project, user);
    expect(config.defaultServer).toBe(expected);
    expect(config.warnings).toEqual(warnings);
  });

  it('keeps validation warnings, user first', () => {
    const config = normalize('servers:\n  gpu: {host: g, hots: x}\n', 'defaults: {prot: 1}\n');
    expect(config.warnings).toEqual([
      '~/.config/mtr/config.yaml:1: defaults.prot: unknown key (did you mean "port"?)',
      '.mtr/config.yaml:2: servers.gpu.hots: unknown key (did you mean "host"?)',
    ]);
  });

  it('refuses a server left without a host', () => {
    expect(() => normalize('servers:\n  gpu: {port: 2}\n')).toThrow(ConfigError);
    expect(() => normalize('servers:\n  gpu: {port: 2}\n')).toThrow('.mtr/config.yaml:2: servers.gpu.host: missing');
  });
});

describe('expandLocalPath', () => {
  it.each([
    ['~', HOME],
    ['~/k', `${HOME}/k`],
    ['k', `${ROOT}/k`],
    ['../k', '/work/k'],
    ['/abs/k', '/abs/k'],
    ['~bob/k', `${ROOT}/~bob/k`],
  ])('%s → %s', (input, expected) => {
    expect(expandLocalPath(input, ROOT, HOME)).toBe(expected);
  });

  it('names the remote folder after the project root', () => {
    expect(getDefaultRemoteDir('/a/b/my-proj')).toBe('~/mtr/my-proj');
  });
});
