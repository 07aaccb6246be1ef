import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../../../src/config/normalize.js';
import { parseYamlWithPositions } from '../../../src/config/parse.js';
import { validateConfig } from '../../../src/config/validate.js';

const FILE = '.mtr/config.yaml';
const lines = (...rows: string[]) => rows.join('\n') + '\n';
const check = (text: string) => {
  const { data, lineOf } = parseYamlWithPositions(text, FILE);
  return { result: validateConfig(data, lineOf, FILE), lineOf };
};
const load = (text: string) => {
  const { result, lineOf } = check(text);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return normalizeConfig({ project: { value: result.value, file: FILE, baseDir: '/p', lineOf }, projectRoot: '/p', configPath: `/p/${FILE}`, homedir: '/h' });
};

describe('slurm: in the config', () => {
  it.each([
    ['the issue\'s example', lines('servers:', '  c:', '    host: login', '    slurm:', '      partition: gpu', '      gpus: 1', '      time: "2:00:00"', '      nodes: 1', '      cpus_per_task: 8', '      mem: 32G', '      account: proj123', '      qos: normal', '      extra: ["--constraint=h100"]'),
      { partition: 'gpu', gpus: '1', time: '2:00:00', nodes: 1, cpusPerTask: 8, mem: '32G', account: 'proj123', qos: 'normal', extra: ['--constraint=h100'] }],
    ['slurm: {} (cluster defaults)', lines('servers:', '  c: {host: login, slurm: {}}'), { extra: [] }],
    ['a bare slurm:', lines('servers:', '  c:', '    host: login', '    slurm:'), { extra: [] }],
    ['numbers where Slurm takes them', lines('servers:', '  c: {host: login, slurm: {gpus: "a100:2", time: 90, mem: 4000}}'), { gpus: 'a100:2', time: '90', mem: '4000', extra: [] }],
    ['defaults merged key by key', lines('defaults:', '  slurm: {partition: gpu, time: "1:00:00"}', 'servers:', '  c: {host: login, slurm: {time: "4:00:00"}}'), { partition: 'gpu', time: '4:00:00', extra: [] }],
  ])('%s', (_name, text, expected) => {
    expect(load(text).servers.c?.slurm).toEqual(expected);
  });

  it('a server without slurm: is a plain server', () => {
    expect(load(lines('servers:', '  c: {host: login}')).servers.c?.slurm).toBeUndefined();
  });

  it('reports every bad value with its line', () => {
    const { result } = check(lines('servers:', '  c:', '    host: login', '    slurm:', '      gpus: many', '      time: "2h"', '      nodes: 0', '      mem: lots', '      partition: "a b"', '      extra: ["constraint=h100"]'));
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual([
      `${FILE}:5: servers.c.slurm.gpus: expected a GPU count (e.g. 2) or TYPE:COUNT (e.g. a100:2), got "many"`,
      `${FILE}:6: servers.c.slurm.time: expected a Slurm time limit: MINUTES, MM:SS, HH:MM:SS or DAYS-HH[:MM[:SS]] (e.g. "2:00:00"), or UNLIMITED, got "2h"`,
      `${FILE}:7: servers.c.slurm.nodes: expected a whole number of nodes, at least 1, got 0`,
      `${FILE}:8: servers.c.slurm.mem: expected a memory size such as 32G, 500M or a number of megabytes, got "lots"`,
      `${FILE}:9: servers.c.slurm.partition: expected a partition name (letters, digits, "_", "-", ".", or several joined by ","), got "a b"`,
      `${FILE}:10: servers.c.slurm.extra[0]: expected an srun/sbatch option such as "--constraint=h100", got "constraint=h100"`,
    ]);
  });

  it('an unknown key inside slurm: is a warning with a suggestion', () => {
    const { result } = check(lines('servers:', '  c:', '    host: login', '    slurm:', '      partiton: gpu'));
    expect(result).toMatchObject({ ok: true, warnings: [`${FILE}:5: servers.c.slurm.partiton: unknown key (did you mean "partition"?)`] });
  });

  it('slurm: must be a mapping', () => {
    const { result } = check(lines('servers:', '  c: {host: login, slurm: gpu}'));
    expect(result.ok ? [] : result.problems).toEqual([`${FILE}:2: servers.c.slurm: expected a mapping of Slurm settings (or {} for the cluster defaults), got "gpu"`]);
  });
});
