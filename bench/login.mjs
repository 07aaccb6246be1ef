// Which account the bench logs in as. Every remote command (mtr's and plain ssh's alike) starts the
// account's login shell, and its dotfiles can cost more than everything else: on the machine the
// README's table comes from, root's ~/.bashrc runs `pyenv init` (~85 ms per remote shell). Both sides
// pay it, so it squeezes every ratio towards 1x and measures the dotfiles, not the tools.
// BENCH_LOGIN=stock (the default when root): a throwaway account `mtrbench` with the distribution's
// default dotfiles (/etc/skel). BENCH_LOGIN=self: the current user, dotfiles and all.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const STOCK_USER = 'mtrbench';

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
  return result.stdout.trim();
}

/** @returns {{ user: string, uid: number, gid: number, kind: 'stock' | 'self', describe: string }} */
export function chooseLogin(env = process.env) {
  const wanted = env.BENCH_LOGIN ?? (process.getuid?.() === 0 ? 'stock' : 'self');
  if (wanted !== 'stock' && wanted !== 'self') throw new Error(`BENCH_LOGIN must be "stock" or "self", got ${wanted}`);
  if (wanted === 'self') {
    const me = os.userInfo();
    return { user: me.username, uid: me.uid, gid: me.gid, kind: 'self', describe: `${me.username} (the current user, its own dotfiles)` };
  }
  if (process.getuid?.() !== 0) throw new Error('BENCH_LOGIN=stock needs root (it creates the mtrbench account)');
  if (spawnSync('id', ['-u', STOCK_USER]).status !== 0) run('useradd', ['-m', '-s', '/bin/bash', STOCK_USER]);
  // Without PAM, sshd refuses a locked account ('!' password) even for key logins; '*' = no password.
  run('usermod', ['-p', '*', STOCK_USER]);
  const uid = Number(run('id', ['-u', STOCK_USER]));
  const gid = Number(run('id', ['-g', STOCK_USER]));
  return { user: STOCK_USER, uid, gid, kind: 'stock', describe: `${STOCK_USER} (a throwaway account with the distribution's default dotfiles; BENCH_LOGIN=self to log in as yourself)` };
}

/** mkdir -p `dir`, owned by the login (remote dirs under it are created by that account). */
export function makeRemoteDir(login, dir) {
  fs.mkdirSync(dir, { recursive: true });
  if (login.kind === 'stock') fs.chownSync(dir, login.uid, login.gid);
}
