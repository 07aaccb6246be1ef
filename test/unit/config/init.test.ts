import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initConfig } from '../../../src/config/init.js';
import { CONFIG_TEMPLATE } from '../../../src/config/template.js';
import { UsageError } from '../../../src/errors.js';

let cwd: string;
beforeEach(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-init-'));
});
afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

const target = () => path.join(cwd, '.mtr', 'config.yaml');

describe('initConfig', () => {
  it('writes the template and returns its path', () => {
    expect(initConfig({ cwd })).toBe(target());
    expect(fs.readFileSync(target(), 'utf8')).toBe(CONFIG_TEMPLATE);
    expect(fs.readdirSync(path.join(cwd, '.mtr'))).toEqual(['config.yaml']);
  });

  it.each([
    [undefined, 'mine\n'],
    [false, 'mine\n'],
    [true, CONFIG_TEMPLATE],
  ])('existing file with force=%s', (force, expected) => {
    const options = force === undefined ? {} : { force };
    fs.mkdirSync(path.join(cwd, '.mtr'));
    fs.writeFileSync(target(), 'mine\n');
    if (force) {
      expect(initConfig({ cwd }, options)).toBe(target());
    } else {
      expect(() => initConfig({ cwd }, options)).toThrow(UsageError);
      try {
        initConfig({ cwd }, options);
      } catch (error) {
        expect((error as UsageError).message).toBe(`.mtr/config.yaml already exists in ${cwd}`);
        expect((error as UsageError).hint).toContain('--force');
      }
    }
    expect(fs.readFileSync(target(), 'utf8')).toBe(expected);
    expect(fs.readdirSync(path.join(cwd, '.mtr'))).toEqual(['config.yaml']);
  });

  it('reports a folder it cannot write as a usage error, leaving no temp file', () => {
    fs.writeFileSync(path.join(cwd, '.mtr'), 'a file, not a folder');
    expect(() => initConfig({ cwd })).toThrow(/cannot write/);
    expect(fs.readdirSync(cwd)).toEqual(['.mtr']);
  });
});
