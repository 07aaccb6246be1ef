// What a new user meets in the first minutes, run as they would run it (the built binary).
import { expect, it } from 'vitest';
import { makeProject } from '../support/mtr.js';
import { describeE2E } from '../support/sshd.js';

describeE2E('first contact', (sshd) => {
  it('a mistyped server name gets a "did you mean", exit 2, and nothing runs', async () => {
    const p = makeProject({ sshd, servers: { gpu: {}, gpu2: {} }, config: { groups: { cluster: ['gpu', 'gpu2'] } } });
    const one = await p.run(['-s', 'gpo', 'echo', 'ran']);
    expect(one.stderr).toBe('mtr: unknown server "gpo": did you mean "gpu"? (configured: gpu, gpu2; groups: cluster)\n  fix: name configured servers or groups with -s a,b or -s GROUP, or use --all\n');
    expect(one).toMatchObject({ code: 2, stdout: '' });
    const group = await p.run(['-s', 'clustr', 'echo', 'ran']);
    expect(group.stderr).toMatch(/^mtr: unknown server "clustr": did you mean "cluster"\? \(configured: gpu, gpu2; groups: cluster\)\n/);
    expect(group).toMatchObject({ code: 2, stdout: '' });
  });

  it('--dry-run counts in words: 1 path excluded, 1 file', async () => {
    // The one excluded path is .mtr/ itself.
    const p = makeProject({ sshd, files: { 'train.py': 'print(1)\n' } });
    const result = await p.run(['--dry-run', 'true']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ 1 file, .* considered .*; 1 path excluded\n/);
  });
});
