// Trust and credentials as a person meets them: ProxyJump through a ~/.ssh/config alias, the
// host-key question at a terminal, and an encrypted key (refused in batch, unlocked by ssh-agent or
// a passphrase typed at a terminal).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mtrCommand, withTerminal } from '../support/local-tmux.js';
import { cleanEnv, makeProject } from '../support/mtr.js';
import { makeOwnKey } from '../support/own-key.js';
import { describeE2E } from '../support/sshd.js';

const PHRASE = 'correct horse battery';

describeE2E('auth and trust', (sshd) => {
  it('ProxyJump from a ~/.ssh/config alias: two verified hops, the command runs', async () => {
    // A key of this test's own: other files log in at the same time with the rig's key.
    const key = makeOwnKey(sshd);
    const p = makeProject({ sshd, servers: { test: { host: 'target-via-jump', port: undefined, key_filename: undefined, sync: 'sftp' } }, files: { 'a.txt': 'jumped\n' } });
    fs.writeFileSync(
      path.join(p.home, '.ssh', 'config'),
      [
        'Host jumpbox',
        `  HostName ${sshd.host}`,
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  IdentityFile ${key.file}`,
        'Host target-via-jump',
        `  HostName ${sshd.host}`,
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  IdentityFile ${key.file}`,
        '  ProxyJump jumpbox',
        '',
      ].join('\n'),
    );
    const before = key.logins();
    const result = await p.run(['--no-reuse', '-q', 'cat', 'a.txt']);
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: 'jumped\n', stderr: '' });
    // One login for the hop and one, through it, for the target (the SFTP sync reuses the latter).
    expect(key.logins() - before).toBe(2);
    const dry = await p.run(['--dry-run', 'true']);
    expect(dry.stdout).toMatch(new RegExp(`connect: +${sshd.user}@${sshd.host.replace(/\./g, '\\.')}:${sshd.port} via ${sshd.user}@${sshd.host.replace(/\./g, '\\.')}:${sshd.port}`));
  });

  it('rsync rides the same ProxyJump hop with the same trust (known_hosts, keys) as the ssh2 path', async () => {
    const p = makeProject({ sshd, servers: { test: { host: 'target-via-jump', port: undefined, key_filename: undefined, sync: 'rsync' } }, files: { 'b.txt': 'rsynced through the hop\n' } });
    fs.writeFileSync(
      path.join(p.home, '.ssh', 'config'),
      ['Host jumpbox', `  HostName ${sshd.host}`, `  Port ${sshd.port}`, `  User ${sshd.user}`, `  IdentityFile ${sshd.clientKey}`,
        'Host target-via-jump', `  HostName ${sshd.host}`, `  Port ${sshd.port}`, `  User ${sshd.user}`, `  IdentityFile ${sshd.clientKey}`, '  ProxyJump jumpbox', ''].join('\n'),
    );
    // HOME's known_hosts is the only one that knows the server: the hop must use it too.
    const result = await p.run(['--no-reuse', '-v', 'cat', 'b.txt']);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 0, stdout: 'rsynced through the hop\n' });
    expect(result.stderr).toMatch(/via rsync/);
  });

  it('at a terminal an unknown host key is asked about like ssh; "yes" records it and the run goes on', async () => {
    const p = makeProject({ sshd });
    const knownHosts = path.join(p.home, '.ssh', 'known_hosts');
    fs.writeFileSync(knownHosts, '');
    const fingerprint = execFileSync('ssh-keygen', ['-lf', '-'], { input: sshd.hostKeyPub, encoding: 'utf8' }).split(' ')[1]!;
    await withTerminal(
      { cwd: p.root, env: cleanEnv({ ...p.env, TERM: 'xterm-256color' }), command: mtrCommand(['--no-sync', '--no-reuse', 'echo', 'trusted now']), cols: 120, rows: 30 },
      async (t) => {
        await t.waitFor(/Are you sure you want to continue connecting \(yes\/no\)\?/);
        expect(await t.capture()).toContain(fingerprint);
        await t.type('yes');
        await t.sendKeys('Enter');
        await t.waitFor(/^trusted now/m);
        expect(await t.waitForExit()).toBe(0);
      },
    );
    expect(fs.readFileSync(knownHosts, 'utf8')).toContain(sshd.hostKeyPub.split(' ').slice(0, 2).join(' '));
  });

  describe('an encrypted key', () => {
    // An encrypted key, authorised for the test user for the rest of this run.
    const keyDir = fs.mkdtempSync(path.join(sshd.localRoot, 'enc-key-'));
    const key = path.join(keyDir, 'id_enc');
    let agent: { pid: number; sock: string } | undefined;
    const ensureKey = () => {
      if (fs.existsSync(key)) return;
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PHRASE, '-f', key]);
      fs.appendFileSync(path.join(sshd.dir, 'authorized_keys'), fs.readFileSync(`${key}.pub`));
    };
    afterAll(() => {
      if (agent) process.kill(agent.pid, 'SIGTERM');
    });

    it('batch: an encrypted key without an agent is refused with the fix (exit 255), no prompt, no hang', async () => {
      ensureKey();
      const p = makeProject({ sshd, servers: { test: { key_filename: key } } });
      const result = await p.run(['--no-sync', '--no-reuse', 'true']);
      expect(result.code).toBe(255);
      expect(result.stderr).toMatch(/key .*id_enc is encrypted and no ssh-agent is running/);
      expect(result.stderr).toMatch(/ssh-add/);
    });

    it('with ssh-agent holding the key, the same config works', async () => {
      ensureKey();
      const sock = path.join(keyDir, 'agent.sock');
      const child = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
      agent = { pid: child.pid!, sock };
      for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
      const askpass = path.join(keyDir, 'askpass.sh');
      fs.writeFileSync(askpass, `#!/bin/sh\necho '${PHRASE}'\n`, { mode: 0o700 });
      const added = spawnSync('ssh-add', [key], {
        env: { ...process.env, SSH_AUTH_SOCK: sock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
      });
      expect(added.status, added.stderr).toBe(0);
      const p = makeProject({ sshd, servers: { test: { key_filename: key } } });
      const result = await p.run(['--no-sync', '--no-reuse', 'echo', 'via agent'], { env: { SSH_AUTH_SOCK: sock } });
      expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 0, stdout: 'via agent\n' });
    });

    it('at a terminal the passphrase is asked for (not echoed) and the run goes on', async () => {
      ensureKey();
      const p = makeProject({ sshd, servers: { test: { key_filename: key } } });
      await withTerminal(
        { cwd: p.root, env: cleanEnv({ ...p.env, TERM: 'xterm-256color' }), command: mtrCommand(['--no-sync', '--no-reuse', 'echo', 'unlocked']), cols: 120, rows: 30 },
        async (t) => {
          await t.waitFor(/Enter passphrase for key '.*id_enc': /);
          await t.type(PHRASE);
          await t.sendKeys('Enter');
          await t.waitFor(/^unlocked/m);
          expect(await t.capture()).not.toContain(PHRASE);
          expect(await t.waitForExit()).toBe(0);
        },
      );
    });
  });
});
