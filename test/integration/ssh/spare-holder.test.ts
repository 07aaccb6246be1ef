// The spare's local holder (SPARE_HOLDER), run by /bin/sh with a stand-in for the mux ssh (a shell
// that reads the line as the remote side would), and claimed the way ssh/spare.ts claims it: rename
// the link, open rc, in and alive, send USR1, write the line. What comes out of rc is what mtr
// reports as the command's exit status.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SPARE_HOLDER } from '../../../src/ssh/spare-plan.js';
import { eventually } from '../../support/eventually.js';

const bases: string[] = [];
const holders: ChildProcess[] = [];
afterEach(() => {
  for (const holder of holders.splice(0)) holder.kill('SIGKILL');
  for (const base of bases.splice(0)) fs.rmSync(base, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
});

// A holder of `command` (sh -c) in a fresh folder, waiting `seconds` at most; resolves once it
// published its link.
async function startHolder(command: string, seconds = 30): Promise<{ base: string; dir: string; link: string; holder: ChildProcess }> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'mtr-holder-'));
  bases.push(base);
  const dir = fs.mkdtempSync(path.join(base, 'k.spare-'));
  const link = path.join(base, 'k.spare');
  const holder = spawn('/bin/sh', ['-c', SPARE_HOLDER, 'mtr-spare', dir, link, String(seconds), 'sh', '-c', command], { stdio: 'ignore' });
  holders.push(holder);
  await eventually('the spare link', () => fs.existsSync(link));
  return { base, dir, link, holder };
}

// The claim as mtr makes it; `then` runs with rc on fd 4 and alive on fd 9 (USR1 sent, line written).
const claimScript = (then: string, usr1 = true) =>
  [
    'd=$(readlink "$1") && mv "$1" "$1.claimed" || exit 9',
    'exec 4<"$d/rc" 8>"$d/in" 9>"$d/alive"',
    ...(usr1 ? ['kill -USR1 "$(cat "$d/pid")"'] : []),
    "printf 'the line\\n' >&8; exec 8>&-",
    then,
  ].join('\n');
const claim = (link: string, then = 'cat <&4', usr1 = true) => spawnSync('/bin/sh', ['-c', claimScript(then, usr1), 'claim', link], { encoding: 'utf8', timeout: 20_000 });

it("a command that ends as the holder takes its USR1: rc is the command's status, not the trap's 128+10", async () => {
  // The stand-in sends the claim's USR1 itself the moment it has the line, then exits: the holder's
  // wait is cut short by the trap just as the command ends (the old holder reported 138 here, about
  // one round in eight on this 2-core VM).
  const statuses: string[] = [];
  for (let round = 0; round < 40; round++) {
    const { link } = await startHolder('IFS= read -r l; kill -USR1 $PPID; exit 7');
    statuses.push(claim(link, 'cat <&4', false).stdout);
  }
  expect(new Set(statuses)).toEqual(new Set(['7\n']));
});

it('a claimed spare runs to its end past the timer', async () => {
  const { link, dir } = await startHolder('IFS= read -r l; [ "$l" = "the line" ] || exit 2; sleep 1.5; exit 5', 1);
  expect(claim(link).stdout).toBe('5\n');
  await eventually('the folder removed', () => !fs.existsSync(dir));
});

it('an unclaimed spare ends with its timer: the command stopped, link and folder removed', async () => {
  const { link, dir, holder } = await startHolder('IFS= read -r l; exit 0', 1);
  const ended = new Promise((resolve) => holder.once('exit', resolve));
  await eventually('the link removed', () => !fs.existsSync(link), 5000);
  await ended;
  expect(fs.existsSync(dir)).toBe(false);
});

it('a claimer that dies (its alive closes) stops the command', async () => {
  const { base, link } = await startHolder('IFS= read -r l; exec sleep 30');
  const out = path.join(base, 'rc.out');
  // The claim hands rc to a reader of its own, without alive, and ends: as a killed mtr would.
  expect(claim(link, `(exec 9>&-; cat <&4 >"${out}") & exit 0`).status).toBe(0);
  await eventually('the status of the stopped command', () => fs.existsSync(out) && fs.readFileSync(out, 'utf8') === '143\n');
});

it('a second holder for the same link ends at once and leaves the first one alone', async () => {
  const first = await startHolder('IFS= read -r l; exit 4');
  const dir = fs.mkdtempSync(path.join(first.base, 'k.spare-'));
  const second = spawnSync('/bin/sh', ['-c', SPARE_HOLDER, 'mtr-spare', dir, first.link, '30', 'sh', '-c', 'IFS= read -r l; exit 0'], { timeout: 10_000 });
  expect(second.status).toBe(1);
  expect(fs.existsSync(dir)).toBe(false);
  expect(fs.readlinkSync(first.link)).toBe(first.dir);
  expect(claim(first.link).stdout).toBe('4\n');
});
