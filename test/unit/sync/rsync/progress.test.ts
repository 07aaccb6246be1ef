import { describe, expect, it } from 'vitest';
import { createProgressParser, parseProgressLine, unescapeRsyncName } from '../../../../src/sync/rsync/progress.js';

describe('parseProgressLine', () => {
  it.each([
    ['      6000000 100%   74.06MB/s    0:00:00 (xfr#300, to-chk=0/301)',
      { bytes: 6000000, percent: 100, transferred: 300, toCheck: { remaining: 0, total: 301, final: true } }],
    ['          32768   1%    0.00kB/s    0:00:00  ', { bytes: 32768, percent: 1 }],
    ['    1234567  45%  120.51MB/s    0:01:02 (xfr#12, ir-chk=1000/1200)',
      { bytes: 1234567, percent: 45, transferred: 12, toCheck: { remaining: 1000, total: 1200, final: false } }],
    ['      3,000,000 100%  353.72MB/s    0:00:00 (xfr#1, to-chk=4/5)',
      { bytes: 3000000, percent: 100, transferred: 1, toCheck: { remaining: 4, total: 5, final: true } }],
    ['     3000000 100%  353.72MB/s    0:00:00 (xfer#1, to-check=4/5)',
      { bytes: 3000000, percent: 100, transferred: 1, toCheck: { remaining: 4, total: 5, final: true } }],
    ['              0   0%    0.00kB/s    0:00:00 (xfr#0, to-chk=0/7)',
      { bytes: 0, percent: 0, transferred: 0, toCheck: { remaining: 0, total: 7, final: true } }],
    ['big', undefined],
    ['a/keep', undefined],
    ['building file list ... ', undefined],
    ['5 files to consider', undefined],
    ['sent 1,234 bytes  received 35 bytes  2,538.00 bytes/sec', undefined],
    ['', undefined],
  ])('%j', (line, expected) => expect(parseProgressLine(line)).toEqual(expected));
});

describe('createProgressParser', () => {
  it('progress2: run totals, lines split anywhere across chunks', () => {
    // Real rsync 3.5 output for 3 MB + 4 small files (cut into odd chunks).
    const out = '\r          32768   1%    0.00kB/s    0:00:00  \r        3000000  99%  353.72MB/s    0:00:00 (xfr#1, to-chk=4/5)' +
      '\r        3000002  99%  314.42MB/s    0:00:00 (xfr#2, to-chk=3/5)\r        3000004 100%  314.42MB/s    0:00:00 (xfr#3, to-chk=0/5)\n';
    const parser = createProgressParser('info2');
    const updates = [out.slice(0, 30), out.slice(30, 101), out.slice(101)].flatMap((chunk) => parser.push(chunk));
    expect(updates).toEqual([
      { files: 0, bytes: 32768, percent: 1 },
      { files: 1, bytes: 3000000, percent: 99, totalFiles: 5 },
      { files: 2, bytes: 3000002, percent: 99, totalFiles: 5 },
      { files: 3, bytes: 3000004, percent: 100, totalFiles: 5 },
    ]);
    expect(parser.end()).toEqual([]);
    expect(parser.summary()).toEqual({ filesSent: 3, bytesSent: 3000004 });
  });

  it('progress2: nothing changed → 0 files', () => {
    const parser = createProgressParser('info2');
    expect(parser.push('\r              0   0%    0.00kB/s    0:00:00 (xfr#0, to-chk=0/7)')).toEqual([]);
    expect(parser.end()).toEqual([{ files: 0, bytes: 0, percent: 0, totalFiles: 7 }]);
    expect(parser.summary()).toEqual({ filesSent: 0, bytesSent: 0 });
  });

  it('progress2: incremental recursion leaves the total open', () => {
    const parser = createProgressParser('info2');
    expect(parser.push('  10 0% 1.00kB/s 0:00:00 (xfr#1, ir-chk=10/20)\n')).toEqual([{ files: 1, bytes: 10, percent: 0 }]);
  });

  it('legacy --progress: per-file lines are summed, names ignored', () => {
    const out = 'building file list ... \n 0 files...\r5 files to consider\ncreated directory d5\nbig\n' +
      '\r         32,768   1%    0.00kB/s    0:00:00  \r      3,000,000 100%  353.72MB/s    0:00:00 (xfr#1, to-chk=4/5)\nf1\n' +
      '\r              2 100%    0.24kB/s    0:00:00  \r              2 100%    0.24kB/s    0:00:00 (xfr#2, to-chk=3/5)\na/\na/keep\n' +
      '\r              2 100%    0.24kB/s    0:00:00 (xfr#3, to-chk=0/5)';
    const parser = createProgressParser('legacy');
    const updates = [...parser.push(out), ...parser.end()];
    expect(updates.map((u) => [u.files, u.bytes])).toEqual([[0, 32768], [1, 3000000], [1, 3000002], [2, 3000002], [3, 3000004]]);
    expect(parser.summary()).toEqual({ filesSent: 3, bytesSent: 3000004 });
  });

  it('legacy 2.6.9 spelling (xfer#, to-check)', () => {
    const parser = createProgressParser('legacy');
    parser.push('file\n     100 100%  1.00kB/s    0:00:00 (xfer#1, to-check=1/3)\n');
    parser.push('other\n     50 100%  1.00kB/s    0:00:00 (xfer#2, to-check=0/3)\n');
    expect(parser.summary()).toEqual({ filesSent: 2, bytesSent: 150 });
  });
});

describe('itemized counts (--out-format=%i)', () => {
  it('counts regular files sent (>f) and ignores links and dirs, whatever the names', () => {
    const parser = createProgressParser('info2');
    parser.push('cd+++++++++\n>f+++++++++\ncL+++++++++\n>f.st......\n');
    parser.push('        100 100%    1.00MB/s    0:00:00 (xfr#3, to-chk=0/5)\r');
    const updates = parser.end();
    expect(parser.summary()).toEqual({ filesSent: 2, bytesSent: 100 });
    expect(updates).toEqual([]);
  });
});

describe('sent names (--out-format=%i %n)', () => {
  it("reports each regular file transferred by name, as bytes, rsync's \\#ooo escapes undone", () => {
    const names: string[] = [];
    const parser = createProgressParser('info2', { onSentFile: (name) => names.push(name.toString('latin1')) });
    // An upload itemizes sent files as <f (a download as >f); names may arrive escaped or as UTF-8.
    parser.push('cd+++++++++ sub/\n<f+++++++++ sub/a b.txt\n<f..t...... caf\\#377.txt\ncL+++++++++ link -> x\n');
    parser.push('<f.st...... \\#303\\#274.txt\n>f+++++++++ new\\#012line\n.f..t...... not-sent\n<f+++++++++ ü2.txt\n');
    parser.end();
    expect(names).toEqual(['sub/a b.txt', 'caf\xff.txt', '\xc3\xbc.txt', 'new\nline', '\xc3\xbc2.txt']);
    expect(parser.summary().filesSent).toBe(5);
  });

  it.each([
    ['plain', 'plain'],
    ['a\\#134#101', 'a\\#101'],
    ['\\#377\\#376', '\xff\xfe'],
    ['back\\slash', 'back\\slash'],
    ['日本', '\xe6\x97\xa5\xe6\x9c\xac'],
  ])('unescapeRsyncName(%j) → bytes %j', (text, expected) => expect(unescapeRsyncName(text).toString('latin1')).toBe(expected));
});
