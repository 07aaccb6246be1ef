import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sshCommandString } from '../../../../src/sync/rsync/ssh-command.js';

const HAS_RSYNC = spawnSync('rsync', ['--version'], { stdio: 'ignore' }).status === 0;

// rsync's -e splitter (main.c do_cmd): spaces separate, '…'/"…" group, a doubled quote is literal.
function rsyncSplit(cmd: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < cmd.length) {
    if (cmd[i] === ' ') { i++; continue; }
    let arg = '';
    let quote = '';
    while (i < cmd.length && (cmd[i] !== ' ' || quote)) {
      const c = cmd[i] as string;
      if (c === "'" || c === '"') {
        if (!quote) { quote = c; i++; continue; }
        if (c === quote && cmd[i + 1] !== quote) { quote = ''; i++; continue; }
        if (c === quote) i++;
      }
      arg += cmd[i++];
    }
    args.push(arg);
  }
  return args;
}

describe('sshCommandString', () => {
  const hostile = ['ssh', '-i', '/home/my user/key', "/it's/key", '-o', 'UserKnownHostsFile="/a b/kh" /c', '$HOME', 'a\\b', "''", 'ünï 🚀', ''];

  it.each([
    [['ssh', '-p', '22'], 'ssh -p 22'],
    [['ssh', '-i', '/a b/k'], "ssh -i '/a b/k'"],
    [['ssh', '-i', "/it's"], "ssh -i '/it''s'"],
    [['ssh', '-o', 'UserKnownHostsFile="/a b/kh"'], `ssh -o 'UserKnownHostsFile="/a b/kh"'`],
  ])('%j → %s', (argv, expected) => expect(sshCommandString(argv)).toBe(expected));

  it('round-trips hostile words through rsync\'s splitting rules', () => {
    expect(rsyncSplit(sshCommandString(hostile))).toEqual(hostile);
  });

  it.skipIf(!HAS_RSYNC)('round-trips through the real rsync (a fake ssh records its argv)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-rsh-'));
    try {
      const script = path.join(dir, 'fake ssh.cjs');
      const out = path.join(dir, 'argv.json');
      fs.writeFileSync(script, `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(2))); process.exit(1);`);
      const rsh = sshCommandString([process.execPath, script, ...hostile.slice(1)]);
      spawnSync('rsync', ['-e', rsh, '/dev/null', 'host:x'], { stdio: 'ignore', timeout: 10_000 });
      // rsync appends the host and its server command after our words.
      expect(JSON.parse(fs.readFileSync(out, 'utf8')).slice(0, hostile.length - 1)).toEqual(hostile.slice(1));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('openrsync: bare words, whitespace refused with a fix', () => {
    expect(sshCommandString(['ssh', '-i', "/it's/k"], 'openrsync')).toBe("ssh -i /it's/k");
    expect(() => sshCommandString(['ssh', '-i', '/a b/k'], 'openrsync')).toThrow(/openrsync cannot pass/);
  });
});
