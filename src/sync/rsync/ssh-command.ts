// rsync's `-e` value: the OpenSSH argv (ssh/openssh-args.ts) as one string rsync splits again.
import { UsageError } from '../../errors.js';

const RSH_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * The single `-e` string. rsync splits it on spaces and honours '…' and "…" (a doubled quote inside
 * stands for itself) but not backslashes; openrsync splits on whitespace and knows no quotes at all.
 */
export function sshCommandString(argv: readonly string[], flavor: 'rsync' | 'openrsync' = 'rsync'): string {
  return argv
    .map((word) => {
      if (RSH_SAFE.test(word)) return word;
      if (flavor === 'openrsync') {
        if (word !== '' && !/\s/.test(word)) return word;
        throw new UsageError(
          `openrsync cannot pass ${JSON.stringify(word)} to ssh (it splits -e on whitespace)`,
          'install GNU rsync (brew install rsync), avoid spaces in key/known_hosts paths, or set `sync: sftp`',
        );
      }
      return `'${word.replace(/'/g, "''")}'`;
    })
    .join(' ');
}
