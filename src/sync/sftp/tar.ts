// The tar format, as far as a bundle of new files needs it (pure: bytes in, bytes out). POSIX ustar
// headers; a name or link target that does not fit ustar's fields goes in a pax extended header
// before it (GNU tar, BusyBox and bsdtar read both). Owners are left out: the server's tar runs with
// `-o` and the files belong to the login, as SFTP's do.

export const TAR_BLOCK = 512;

export interface TarEntry {
  /** The member's path, POSIX, no leading `/` (a directory's without a trailing one). */
  name: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (0o7777 at most). */
  mode: number;
  /** Whole seconds since the epoch. */
  mtime: number;
  /** Files: the data's length. */
  size?: number;
  /** Symlinks: the target as stored. */
  linkTarget?: string;
}

const TYPE_FLAG = { file: '0', dir: '5', symlink: '2' } as const;

/** The header block(s) for one member; a file's data follows, padded by `tarPadding`. */
export function tarHeader(entry: TarEntry): Buffer {
  const name = entry.type === 'dir' ? `${entry.name}/` : entry.name;
  const split = splitUstarName(name);
  const link = entry.linkTarget ?? '';
  const fitsLink = Buffer.byteLength(link) <= 100;
  const pax: Array<[string, string]> = [];
  if (!split) pax.push(['path', name]);
  if (!fitsLink) pax.push(['linkpath', link]);
  const header = ustarHeader({
    name: split?.name ?? name.slice(-99).replace(/^\/+/, ''),
    prefix: split?.prefix ?? '',
    mode: entry.mode & 0o7777,
    size: entry.type === 'file' ? (entry.size ?? 0) : 0,
    mtime: Math.max(0, Math.floor(entry.mtime)),
    type: TYPE_FLAG[entry.type],
    link: fitsLink ? link : '',
  });
  if (!pax.length) return header;
  const body = Buffer.from(pax.map(([key, value]) => paxRecord(key, value)).join(''), 'utf8');
  const paxHeader = ustarHeader({ name: 'PaxHeader', prefix: '', mode: 0o644, size: body.length, mtime: 0, type: 'x', link: '' });
  return Buffer.concat([paxHeader, body, tarPadding(body.length), header]);
}

/** Zeros that fill a member's data up to the next block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
}

/** The end of an archive: two zero blocks. */
export function tarEnd(): Buffer {
  return Buffer.alloc(2 * TAR_BLOCK);
}

// ustar keeps a path as prefix (155 bytes) + `/` + name (100 bytes); undefined when it cannot.
function splitUstarName(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  // The prefix ends at a `/`; a directory's trailing one stays in the name part.
  for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) {
    const prefix = path.slice(0, at);
    const name = path.slice(at + 1);
    if (Buffer.byteLength(prefix) > 155) return undefined;
    if (name && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  return undefined;
}

// `<length> <key>=<value>\n`, the length counting itself.
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const bytes = Buffer.byteLength(rest);
  let length = bytes + String(bytes).length;
  if (String(length).length !== String(bytes).length) length = bytes + String(length).length;
  return `${length}${rest}`;
}

interface UstarFields {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  mtime: number;
  type: string;
  link: string;
}

function ustarHeader(fields: UstarFields): Buffer {
  const block = Buffer.alloc(TAR_BLOCK);
  block.write(fields.name, 0, 100, 'utf8');
  writeOctal(block, fields.mode, 100, 8);
  writeOctal(block, 0, 108, 8);
  writeOctal(block, 0, 116, 8);
  writeOctal(block, fields.size, 124, 12);
  writeOctal(block, fields.mtime, 136, 12);
  block.fill(0x20, 148, 156);
  block.write(fields.type, 156, 1, 'ascii');
  block.write(fields.link, 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 8, 'ascii');
  block.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  writeOctal(block, sum, 148, 7);
  block[155] = 0x20;
  return block;
}

// Zero-padded octal, NUL-terminated, in `width` bytes.
function writeOctal(block: Buffer, value: number, offset: number, width: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'ascii');
}
