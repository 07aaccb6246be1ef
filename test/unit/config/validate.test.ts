import { describe, expect, it } from 'vitest';
import { parseYamlWithPositions } from '../../../src/config/parse.js';
import {
  describeValue,
  validateConfig,
  type ValidateOptions,
} from '../../../src/config/validate.js';

const FILE = '.mtr/config.yaml';
const check = (text: string, options?: ValidateOptions) => {
  const { data, lineOf } = parseYamlWithPositions(text, FILE);
  return validateConfig(data, lineOf, FILE, options);
};
const problemsOf = (text: string, options?: ValidateOptions) => {
  const result = check(text, options);
  return result.ok ? [] : result.problems;
};
const lines = (...rows: string[]) => rows.join('\n') + '\n';

describe('validateConfig: problems', () => {
  it.each([
    [
      'bad port with its line',
      lines('# comment', '', 'servers:', '  gpu:', '    host: a', '', '    port: seventy'),
      [`${FILE}:7: servers.gpu.port: expected an integer 1-65535, got "seventy"`],
    ],
    ['empty remote_dir', lines('servers:', '  gpu: {host: a, remote_dir: ""}'), [`${FILE}:2: servers.gpu.remote_dir: expected a non-empty path, got ""`]],
    [
      'remote_dir with a line break',
      lines('servers:', '  gpu:', '    host: a', '    remote_dir: "p\\nq"'),
      [`${FILE}:4: servers.gpu.remote_dir: expected a path without NUL bytes or line breaks, got "p\\nq"`],
    ],
    [
      'remote_dir with ~user',
      lines('defaults:', '  remote_dir: ~bob/p', 'servers:', '  gpu: {host: a}'),
      [`${FILE}:2: defaults.remote_dir: expected a path starting with /, ~/ or a name (~user is not expanded: write the full path), got "~bob/p"`],
    ],
    ['port out of range', lines('servers:', '  gpu: {host: a, port: 70000}'), [`${FILE}:2: servers.gpu.port: expected an integer 1-65535, got 70000`]],
    ['port not an integer', lines('servers:', '  gpu: {host: a, port: 22.5}'), [`${FILE}:2: servers.gpu.port: expected an integer 1-65535, got 22.5`]],
    ['missing host', lines('servers:', '  gpu:', '    user: bob'), [`${FILE}:2: servers.gpu.host: missing (expected a host name or ~/.ssh/config alias)`]],
    ['empty server', lines('servers:', '  gpu:'), [`${FILE}:2: servers.gpu.host: missing (expected a host name or ~/.ssh/config alias)`]],
    ['host is a number', lines('servers:', '  gpu:', '    host: 12'), [`${FILE}:3: servers.gpu.host: expected a host name or ~/.ssh/config alias, got 12`]],
    ['bool as string', lines('servers:', '  gpu: {host: a, delete: "yes"}'), [`${FILE}:2: servers.gpu.delete: expected true or false, got "yes"`]],
    ['bad sync', lines('defaults:', '  sync: scp', 'servers:', '  gpu: {host: a}'), [`${FILE}:2: defaults.sync: expected one of "rsync", "sftp", "auto", got "scp"`]],
    [
      'bad host key policy',
      lines('servers:', '  gpu: {host: a, strict_host_key_checking: no}'),
      [`${FILE}:2: servers.gpu.strict_host_key_checking: expected one of "ask", "yes", "accept-new", got "no"`],
    ],
    ['timeout zero', lines('servers:', '  gpu: {host: a, connect_timeout: 0}'), [`${FILE}:2: servers.gpu.connect_timeout: expected a positive number of seconds, got 0`]],
    [
      'dead_link_timeout not whole seconds',
      lines('servers:', '  gpu: {host: a, dead_link_timeout: 2.5}'),
      [`${FILE}:2: servers.gpu.dead_link_timeout: expected a whole number of seconds, at least 2, got 2.5`],
    ],
    [
      'dead_link_timeout too short',
      lines('defaults:', '  dead_link_timeout: 1', 'servers:', '  gpu: {host: a}'),
      [`${FILE}:2: defaults.dead_link_timeout: expected a whole number of seconds, at least 2, got 1`],
    ],
    [
      'dead_link_timeout as text',
      lines('servers:', '  gpu: {host: a, dead_link_timeout: 30s}'),
      [`${FILE}:2: servers.gpu.dead_link_timeout: expected a whole number of seconds, at least 2, got "30s"`],
    ],
    ['kill_grace zero', lines('servers:', '  gpu: {host: a, kill_grace: 0}'), [`${FILE}:2: servers.gpu.kill_grace: expected a number of seconds from 0.1 to 3600, got 0`]],
    ['kill_grace too long', lines('defaults:', '  kill_grace: 7200', 'servers:', '  gpu: {host: a}'), [`${FILE}:2: defaults.kill_grace: expected a number of seconds from 0.1 to 3600, got 7200`]],
    ['kill_grace as text', lines('servers:', '  gpu: {host: a, kill_grace: 5s}'), [`${FILE}:2: servers.gpu.kill_grace: expected a number of seconds from 0.1 to 3600, got "5s"`]],
    ['exclude not a list', lines('servers:', '  gpu:', '    host: a', '    exclude: data/'), [`${FILE}:4: servers.gpu.exclude: expected a list of strings, got "data/"`]],
    [
      'exclude item',
      lines('servers:', '  gpu:', '    host: a', '    exclude:', '      - ok', '      - 3'),
      [`${FILE}:6: servers.gpu.exclude[1]: expected a non-empty string, got 3`],
    ],
    ['server is a list', lines('servers:', '  gpu: [a]'), [`${FILE}:2: servers.gpu: expected a mapping of server settings, got a list`]],
    ['servers is a string', lines('servers: gpu'), [`${FILE}:1: servers: expected a mapping of server names to settings, got "gpu"`]],
    ['no servers key', lines('default: gpu'), [`${FILE}:1: servers: missing; add at least one server under "servers:"`]],
    ['no server', lines('servers: {}'), [`${FILE}:1: servers: expected at least one server, got none`]],
    ['not a mapping', lines('- a'), [`${FILE}:1: expected a mapping with a "servers" section, got a list`]],
    ['empty file', '', [`${FILE}: expected a mapping with a "servers" section, got nothing`]],
    ['bad server name', lines('servers:', '  "my gpu": {host: a}'), [`${FILE}:2: servers["my gpu"]: expected a server name of letters, digits, "_", "." or "-", got "my gpu"`]],
    ['host in defaults', lines('defaults:', '  host: a', 'servers:', '  gpu: {host: b}'), [`${FILE}:2: defaults.host: host cannot be a default; set it on each server`]],
    [
      'bad default lists names',
      lines('default: gpu9', 'servers:', '  gpu: {host: a}', '  cpu: {host: b}'),
      [`${FILE}:1: default: "gpu9" is not a configured server (configured: gpu, cpu)`],
    ],
    ['default not a string', lines('default: 3', 'servers:', '  gpu: {host: a}'), [`${FILE}:1: default: expected the name of a server or group, got 3`]],
    [
      'every problem at once, in line order',
      lines('default: nope', 'defaults:', '  delete: maybe', 'servers:', '  gpu:', '    port: seventy', '  cpu:', '    host: b', '    sync: 1'),
      [
        `${FILE}:1: default: "nope" is not a configured server (configured: gpu, cpu)`,
        `${FILE}:3: defaults.delete: expected true or false, got "maybe"`,
        `${FILE}:5: servers.gpu.host: missing (expected a host name or ~/.ssh/config alias)`,
        `${FILE}:6: servers.gpu.port: expected an integer 1-65535, got "seventy"`,
        `${FILE}:9: servers.cpu.sync: expected one of "rsync", "sftp", "auto", got 1`,
      ],
    ],
  ])('%s', (_name, text, expected) => {
    expect(problemsOf(text)).toEqual(expected);
  });
});

describe('validateConfig: accepted', () => {
  it.each([
    ['minimal', lines('servers:', '  gpu:', '    host: a')],
    ['empty keys are unset', lines('defaults:', 'servers:', '  gpu:', '    host: a', '    user:')],
    [
      'every key',
      lines(
        'default: gpu',
        'defaults: {user: u, port: 22, key_filename: k, password: p, remote_dir: r, pre_cmd: c, sync: rsync, exclude: [x],',
        '  respect_gitignore: false, delete: true, download_dir: d, connect_timeout: 2.5, strict_host_key_checking: accept-new,',
        '  known_hosts_file: kh, dead_link_timeout: 60, kill_grace: 0.5}',
        'servers:',
        '  gpu: {host: a, port: 2222}',
      ),
    ],
  ])('%s', (_name, text) => {
    expect(check(text)).toMatchObject({ ok: true, warnings: [] });
  });

  it('returns the values as written', () => {
    const result = check(lines('servers:', '  gpu: {host: a, port: 2, exclude: [x]}'));
    expect(result).toEqual({ ok: true, value: { servers: { gpu: { host: 'a', port: 2, exclude: ['x'] } } }, warnings: [] });
  });
});

describe('validateConfig: user config and servers from it', () => {
  it.each([
    ['user config may omit servers', lines('defaults: {user: me}'), { partial: true }, []],
    ['user config may omit host', lines('servers:', '  gpu: {user: me}'), { partial: true }, []],
    ['user config default is not checked', lines('default: other', 'servers: {}'), { partial: true }, []],
    ['host from user config', lines('servers:', '  gpu: {port: 2}'), { otherServers: ['gpu'] }, []],
    ['default names a user server', lines('default: home', 'servers:', '  gpu: {host: a}'), { otherServers: ['home'] }, []],
    [
      'default lists user servers',
      lines('default: x', 'servers:', '  gpu: {host: a}'),
      { otherServers: ['home'] },
      [`${FILE}:1: default: "x" is not a configured server (configured: gpu, home)`],
    ],
  ])('%s', (_name, text, options, expected) => {
    expect(problemsOf(text, options)).toEqual(expected);
  });
});

describe('validateConfig: unknown keys are warnings', () => {
  it.each([
    [lines('servers:', '  gpu:', '    host: a', '    hots: b'), [`${FILE}:4: servers.gpu.hots: unknown key (did you mean "host"?)`]],
    [lines('servers:', '  gpu: {host: a, remoteDir: x}'), [`${FILE}:2: servers.gpu.remoteDir: unknown key (did you mean "remote_dir"?)`]],
    [lines('defualts: {}', 'servers:', '  gpu: {host: a}'), [`${FILE}:1: defualts: unknown key (did you mean "defaults"?)`]],
    [lines('defaults: {excludes: [a]}', 'servers:', '  gpu: {host: a}'), [`${FILE}:1: defaults.excludes: unknown key (did you mean "exclude"?)`]],
    [lines('servers:', '  gpu: {host: a, banana: 1}'), [`${FILE}:2: servers.gpu.banana: unknown key`]],
  ])('%j', (text, expected) => {
    expect(check(text)).toMatchObject({ ok: true, warnings: expected });
  });

  it('are reported beside problems they may explain', () => {
    const result = check(lines('servers:', '  gpu:', '    hots: a'));
    expect(result).toEqual({
      ok: false,
      problems: [`${FILE}:2: servers.gpu.host: missing (expected a host name or ~/.ssh/config alias)`],
      warnings: [`${FILE}:3: servers.gpu.hots: unknown key (did you mean "host"?)`],
    });
  });
});

describe('helpers', () => {
  it.each([
    ['seventy', '"seventy"'],
    [3, '3'],
    [true, 'true'],
    [null, 'nothing'],
    [[1], 'a list'],
    [{}, 'a mapping'],
  ])('describeValue(%j) = %s', (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });
});

describe('validateConfig: groups', () => {
  const check = (text: string) => {
    const { data, lineOf } = parseYamlWithPositions(text, '.mtr/config.yaml');
    const result = validateConfig(data, lineOf, '.mtr/config.yaml');
    return result.ok ? [] : result.problems;
  };
  it.each([
    ['a valid group', 'groups:\n  g: [a]\nservers:\n  a: {host: a}\n', []],
    ['default may name a group', 'default: g\ngroups:\n  g: [a]\nservers:\n  a: {host: a}\n', []],
    ['unknown member', 'groups:\n  g: [a, zz]\nservers:\n  a: {host: a}\n', ['.mtr/config.yaml:2: groups.g[1]: "zz" is not a configured server (configured: a)']],
    ['group named like a server', 'groups:\n  a: [a]\nservers:\n  a: {host: a}\n', ['.mtr/config.yaml:2: groups.a: "a" is already a server name; give the group another name']],
    ['not a list', 'groups:\n  g: a\nservers:\n  a: {host: a}\n', ['.mtr/config.yaml:2: groups.g: expected a list of server names, got "a"']],
  ])('%s', (_name, text, problems) => expect(check(text)).toEqual(problems));
});
