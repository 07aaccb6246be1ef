// This machine's process table, read from Linux's /proc: what `ps -eo pid,ppid,pgid,stat,args` shows,
// without starting a process per look (tests poll it hundreds of times, ~15 ms of CPU per `ps`).
import fs from 'node:fs';

export interface ProcessRow {
  pid: number;
  ppid: number;
  pgid: number;
  /** The first letter of ps's STAT: R, S, D, T, Z, … (ps appends flags such as s, +, l). */
  state: string;
  /** argv joined by single spaces, as `ps -o args` shows it; `[comm]` when there is none (kernel threads, zombies). */
  args: string;
}

/** Every process now running (or not yet reaped); one that ends while it is read is left out. */
export function processTable(): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const row = readProcess(Number(name));
    if (row) rows.push(row);
  }
  return rows;
}

function readProcess(pid: number): ProcessRow | undefined {
  let stat: string;
  let cmdline: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined; // gone between readdir and read
    throw error;
  }
  // `pid (comm) state ppid pgrp …`: comm may hold spaces and parentheses, so split after the last ')'.
  const close = stat.lastIndexOf(')');
  const [state = '', ppid = '', pgid = ''] = stat.slice(close + 2).split(' ');
  // argv ends in a NUL; a process that rewrote its title (sshd, an ssh master) pads with more, which ps
  // drops too. Like ps, the NULs between arguments and any control character (a script's newlines) become spaces.
  const argv = cmdline.replace(/\0+$/, '').replace(/[\0-\x1f]/g, ' ');
  const args = argv || `[${stat.slice(stat.indexOf('(') + 1, close)}]`;
  return { pid, ppid: Number(ppid), pgid: Number(pgid), state, args };
}
