import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../../../src/config/normalize.js';
import { parseYamlWithPositions } from '../../../src/config/parse.js';
import { selectServer, selectServers } from '../../../src/config/select.js';
import { validateConfig } from '../../../src/config/validate.js';
import type { LoadedConfig, ServerConfig } from '../../../src/config/types.js';
import { UsageError } from '../../../src/errors.js';

const server = (name: string): ServerConfig => ({
  name,
  host: `${name}.example.com`,
  remoteDir: '~/mtr/p',
  sync: 'auto',
  exclude: [],
  respectGitignore: true,
  delete: false,
  connectTimeout: 15,
  strictHostKeyChecking: 'ask',
  reuse: true,
  reuseIdle: 600,
  deadLinkTimeout: 30,
});
const config = (defaultServer?: string): LoadedConfig => ({
  projectRoot: '/p',
  configPath: '/p/.mtr/config.yaml',
  serverNames: ['gpu', 'cpu', 'tpu'],
  servers: { gpu: server('gpu'), cpu: server('cpu'), tpu: server('tpu') },
  defaultServer,
  groups: {},
  warnings: [],
});

describe('selectServer', () => {
  // The reason comes back with the choice: the dry run shows it, and cannot disagree with the run.
  it.each([
    ['flag beats env and default', 'tpu', { MTR_SERVER: 'cpu' }, 'cpu', 'tpu', 'flag'],
    ['env beats default', undefined, { MTR_SERVER: 'cpu' }, 'tpu', 'cpu', 'env'],
    ['empty env is ignored', undefined, { MTR_SERVER: '' }, 'tpu', 'tpu', 'default'],
    ['default beats first', undefined, {}, 'cpu', 'cpu', 'default'],
    ['first server', undefined, {}, undefined, 'gpu', 'first'],
  ])('%s', (_name, flag, env, defaultServer, expected, chosenBy) => {
    const selected = selectServer(config(defaultServer), { flag, env });
    expect({ name: selected.server.name, chosenBy: selected.chosenBy }).toEqual({ name: expected, chosenBy });
  });

  it.each([
    ['flag', 'gpu9', {}, 'pick one of the configured servers with -s NAME'],
    ['env', undefined, { MTR_SERVER: 'gpu9' }, 'MTR_SERVER=gpu9 is set in your environment; unset it or name a configured server'],
  ])('unknown name from %s lists the configured names', (_name, flag, env, hint) => {
    let error: unknown;
    try {
      selectServer(config(), { flag, env });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('unknown server "gpu9": did you mean "gpu"? (configured: gpu, cpu, tpu)');
    expect((error as UsageError).hint).toBe(hint);
  });
});

// The real pipeline: parse → validate → normalize.
function normalizeText(text: string): LoadedConfig {
  const file = '.mtr/config.yaml';
  const { data, lineOf } = parseYamlWithPositions(text, file);
  const result = validateConfig(data, lineOf, file);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return normalizeConfig({ project: { value: result.value, file, baseDir: '/p', lineOf }, projectRoot: '/p', configPath: '/p/.mtr/config.yaml', homedir: '/h' });
}

describe('selectServers (fan-out)', () => {
  const multi = () =>
    normalizeText(`default: cluster
groups:
  cluster: [a, b]
  pair: [b, c]
servers:
  a: {host: a}
  b: {host: b}
  c: {host: c}
`);
  const names = (selected: { server: { name: string } }[]) => selected.map((s) => s.server.name);

  it.each([
    [{}, ['a', 'b'], 'default'],
    [{ flag: 'c' }, ['c'], 'flag'],
    [{ flag: 'a,c' }, ['a', 'c'], 'flag'],
    [{ flag: 'cluster,pair' }, ['a', 'b', 'c'], 'flag'],
    [{ flag: 'b, a ,b' }, ['b', 'a'], 'flag'],
    [{ all: true }, ['a', 'b', 'c'], 'all'],
    [{ envServer: 'pair' }, ['b', 'c'], 'env'],
  ])('%j → %j (%s)', (opts, expected, chosenBy) => {
    const { envServer, ...rest } = opts as { envServer?: string; flag?: string; all?: boolean };
    const selected = selectServers(multi(), { ...rest, env: envServer ? { MTR_SERVER: envServer } : {} });
    expect(names(selected)).toEqual(expected);
    expect(selected.every((s) => s.chosenBy === chosenBy)).toBe(true);
  });

  it('unknown names list servers and groups', () => {
    expect(() => selectServers(multi(), { flag: 'a,zz', env: {} })).toThrow(/unknown server "zz" \(configured: a, b, c; groups: cluster, pair\)/);
    expect(() => selectServers(multi(), { flag: 'clustr', env: {} })).toThrow(/unknown server "clustr": did you mean "cluster"\? \(configured: a, b, c; groups: cluster, pair\)/);
  });
});
