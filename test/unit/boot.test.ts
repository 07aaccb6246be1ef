// The code cache's file names (src/boot.ts): a cache may only ever meet the build and the Node it
// was made by, and a new build's cache replaces the old ones of the same install.
import { describe, expect, it } from 'vitest';
import { codeCacheFile, leftTemps, restoreExtraCaCerts, staleCodeCaches } from '../../src/boot.js';

const bundle = { path: '/opt/mtr/dist/mtr.cjs', build: '0123456789abcdef', ino: 1234, size: 908_202, mtimeMs: 1_796_302_000_000.5 };
const node = { version: 'v20.20.2', arch: 'x64' };

describe('codeCacheFile', () => {
  it('is a code-<install>-<build>.cache file in the given folder, the same for the same inputs', () => {
    const file = codeCacheFile('/run/user/1000/mtr', bundle, node);
    expect(file).toMatch(/^\/run\/user\/1000\/mtr\/code-[0-9a-f]{16}-[0-9a-f]{16}\.cache$/);
    expect(codeCacheFile('/run/user/1000/mtr', { ...bundle }, { ...node })).toBe(file);
  });

  it.each([
    ['another build with the same inode, size and mtime (a copy that kept them: tar, cp -p, rsync -a)', { ...bundle, build: 'fedcba9876543210' }, node],
    ['another inode (a rebuild)', { ...bundle, ino: 1235 }, node],
    ['another size', { ...bundle, size: 908_203 }, node],
    ['another mtime', { ...bundle, mtimeMs: bundle.mtimeMs + 1 }, node],
    ['another Node version', bundle, { ...node, version: 'v20.20.3' }],
    ['another architecture', bundle, { ...node, arch: 'arm64' }],
  ])('changes the build part for %s, not the install part', (_what, otherBundle, otherNode) => {
    const [, install, build] = /code-(\w+)-(\w+)\.cache$/.exec(codeCacheFile('/d', bundle, node))!;
    const [, otherInstall, otherBuild] = /code-(\w+)-(\w+)\.cache$/.exec(codeCacheFile('/d', otherBundle, otherNode))!;
    expect(otherInstall).toBe(install);
    expect(otherBuild).not.toBe(build);
  });

  it('gives another install (another path) its own files', () => {
    const [, install] = /code-(\w+)-/.exec(codeCacheFile('/d', bundle, node))!;
    const [, other] = /code-(\w+)-/.exec(codeCacheFile('/d', { ...bundle, path: '/home/me/mtr/dist/mtr.cjs' }, node))!;
    expect(other).not.toBe(install);
  });
});

describe('staleCodeCaches', () => {
  const file = codeCacheFile('/d', bundle, node);
  const name = file.slice('/d/'.length);
  const install = name.slice(0, name.lastIndexOf('-') + 1);
  const otherInstall = codeCacheFile('/d', { ...bundle, path: '/elsewhere/mtr.cjs' }, node).slice('/d/'.length);

  it("lists the same install's other caches only", () => {
    const names = [name, `${install}0000000000000000.cache`, `${install}1111111111111111.cache`, otherInstall, 'config-abc.json', `${install}2222.cache.77.tmp`];
    expect(staleCodeCaches(names, file)).toEqual([`${install}0000000000000000.cache`, `${install}1111111111111111.cache`]);
  });

  it('lists nothing when the folder holds only this cache', () => {
    expect(staleCodeCaches([name], file)).toEqual([]);
    expect(staleCodeCaches([], file)).toEqual([]);
  });
});

describe('restoreExtraCaCerts', () => {
  it('gives NODE_EXTRA_CA_CERTS back (bin/mtr.cjs kept it out of Node under another name)', () => {
    const env: NodeJS.ProcessEnv = { MTR_EXTRA_CA_CERTS: '/etc/corp-ca.pem', PATH: '/bin' };
    restoreExtraCaCerts(env);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/etc/corp-ca.pem', PATH: '/bin' });
  });

  it('keeps an empty value empty, and changes nothing when the shim set nothing', () => {
    const empty: NodeJS.ProcessEnv = { MTR_EXTRA_CA_CERTS: '' };
    restoreExtraCaCerts(empty);
    expect(empty).toEqual({ NODE_EXTRA_CA_CERTS: '' });
    const none: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: '/direct.pem' };
    restoreExtraCaCerts(none);
    expect(none).toEqual({ NODE_EXTRA_CA_CERTS: '/direct.pem' });
  });
});

describe('leftTemps', () => {
  it("lists the same install's unfinished writes only", () => {
    const file = codeCacheFile('/d', bundle, node);
    const name = file.slice('/d/'.length);
    const install = name.slice(0, name.lastIndexOf('-') + 1);
    const otherInstall = codeCacheFile('/d', { ...bundle, path: '/elsewhere/mtr.cjs' }, node).slice('/d/'.length);
    const names = [name, `${name}.a1b2c3d4e5f6.tmp`, `${install}0000000000000000.cache.ffffffffffff.tmp`, `${otherInstall}.a1b2c3d4e5f6.tmp`, 'config-x.json.12.tmp'];
    expect(leftTemps(names, file)).toEqual([`${name}.a1b2c3d4e5f6.tmp`, `${install}0000000000000000.cache.ffffffffffff.tmp`]);
  });
});
