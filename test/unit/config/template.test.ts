import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlWithPositions } from '../../../src/config/parse.js';
import { CONFIG_TEMPLATE } from '../../../src/config/template.js';
import { SERVER_KEYS, validateConfig } from '../../../src/config/validate.js';

const validate = (text: string, file: string) => {
  const { data, lineOf } = parseYamlWithPositions(text, file);
  return validateConfig(data, lineOf, file);
};

describe('CONFIG_TEMPLATE', () => {
  it('validates without warnings, with one server gpu', () => {
    const result = validate(CONFIG_TEMPLATE, 'template');
    expect(result).toMatchObject({ ok: true, warnings: [] });
    expect(result.ok && result.value.servers).toEqual({ gpu: { host: 'gpu.example.com' } });
  });

  it.each([...SERVER_KEYS, 'default', 'defaults', 'servers'])('documents %s', (key) => {
    expect(CONFIG_TEMPLATE).toMatch(new RegExp(`^\\s*#?\\s*${key}:`, 'm'));
  });

  it.each(['eval "$(conda shell.bash hook)" && conda activate myenv', 'non-login', '~/mtr/<name of the project root folder>'])(
    'mentions %s',
    (text) => {
      expect(CONFIG_TEMPLATE).toContain(text);
    },
  );

  it('still validates with every commented key switched on', () => {
    const uncommented = CONFIG_TEMPLATE.replace(/^(\s*)# ([a-z_]+: .*)$/gm, '$1$2');
    const result = validate(uncommented, 'template');
    expect(result).toMatchObject({ ok: true, warnings: [] });
    const gpu = result.ok ? result.value.servers?.gpu : undefined;
    expect(gpu?.pre_cmd ?? (result.ok ? result.value.defaults?.pre_cmd : undefined)).toBe(
      'eval "$(conda shell.bash hook)" && conda activate myenv',
    );
  });
});

describe('examples/', () => {
  const dir = path.resolve(import.meta.dirname, '../../../examples');
  const files = fs.readdirSync(dir).filter((name) => name.endsWith('.yaml'));

  it('has the documented examples', () => {
    expect(files).toEqual(
      expect.arrayContaining(['key.yaml', 'password.yaml', 'proxyjump-alias.yaml', 'conda.yaml', 'multi-server.yaml']),
    );
  });

  it.each(files)('%s validates without warnings', (name) => {
    expect(validate(fs.readFileSync(path.join(dir, name), 'utf8'), name)).toMatchObject({ ok: true, warnings: [] });
  });
});
