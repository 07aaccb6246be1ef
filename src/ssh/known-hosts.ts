// OpenSSH known_hosts semantics as pure functions over file text and raw key blobs (what ssh2's
// hostVerifier hands us). Reading the files and asking the user belong to the connect module.
import { createHash, createHmac } from 'node:crypto';
import { globToRegExp } from '../util/glob.js';

export type HostMatcher =
  | { kind: 'patterns'; patterns: string[] }
  | { kind: 'hashed'; salt: Buffer; hash: Buffer };

export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority';
  hosts: HostMatcher;
  keyType: string;
  key: Buffer;
  file: string;
  line: number;
}

export type HostKeyStatus =
  | { status: 'known' }
  | { status: 'unknown' }
  | { status: 'changed'; file: string; line: number }
  | { status: 'revoked'; file: string; line: number };

const MARKERS: Record<string, KnownHostEntry['marker']> = {
  '@revoked': 'revoked',
  '@cert-authority': 'cert-authority',
};

// Lines ssh would skip (comments, RSA1 numbers, bad base64, unknown markers) are skipped here too.
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const entry = parseKnownHostsLine(raw, file, index + 1);
    if (entry) entries.push(entry);
  });
  return entries;
}

function parseKnownHostsLine(raw: string, file: string, line: number): KnownHostEntry | undefined {
  const fields = raw.trim().split(/\s+/);
  if (fields[0] === '' || fields[0]?.startsWith('#')) return undefined;
  let marker: KnownHostEntry['marker'];
  if (fields[0]?.startsWith('@')) {
    marker = MARKERS[fields.shift() ?? ''];
    if (!marker) return undefined;
  }
  const [hostField, keyType, base64] = fields;
  if (!hostField || !keyType || !base64) return undefined;
  const hosts = parseHostField(hostField);
  const key = decodeBase64(base64);
  if (!hosts || !key || readKeyType(key) !== keyType) return undefined;
  return { ...(marker ? { marker } : {}), hosts, keyType, key, file, line };
}

function parseHostField(field: string): HostMatcher | undefined {
  if (!field.startsWith('|')) {
    return { kind: 'patterns', patterns: field.split(',').filter((p) => p !== '') };
  }
  // Hashed entries are "|1|base64(salt)|base64(HMAC-SHA1(salt, host))"; salt and hash are SHA-1 sized.
  const [, magic, salt64, hash64, ...rest] = field.split('|');
  if (magic !== '1' || rest.length > 0 || !salt64 || !hash64) return undefined;
  const salt = decodeBase64(salt64);
  const hash = decodeBase64(hash64);
  if (salt?.length !== 20 || hash?.length !== 20) return undefined;
  return { kind: 'hashed', salt, hash };
}

function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length > 0 ? bytes : undefined;
}

// ssh looks hosts up lower-cased, and as "[host]:port" when the port is not 22.
export function hostString(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

export function hashHostString(name: string, salt: Buffer): Buffer {
  return createHmac('sha1', salt).update(name).digest();
}

// Like OpenSSH match_hostname: any matching "!pattern" rules the whole line out.
function matchHost(hosts: HostMatcher, name: string): boolean {
  if (hosts.kind === 'hashed') return hashHostString(name, hosts.salt).equals(hosts.hash);
  let positive = false;
  for (const pattern of hosts.patterns) {
    const negated = pattern.startsWith('!');
    if (!globToRegExp(negated ? pattern.slice(1) : pattern, 'i').test(name)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

function entriesFor(entries: readonly KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = hostString(host, port);
  return entries.filter((e) => e.marker !== 'cert-authority' && matchHost(e.hosts, name));
}

// A revoked key wins over any "known" line; a different key *type* is unknown, not changed.
export function checkHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  key: Buffer,
): HostKeyStatus {
  const matching = entriesFor(entries, host, port);
  const revoked = matching.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', file: revoked.file, line: revoked.line };
  const plain = matching.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.key.equals(key))) return { status: 'known' };
  const keyType = keyTypeOf(key);
  const changed = plain.find((e) => e.keyType === keyType);
  if (changed) return { status: 'changed', file: changed.file, line: changed.line };
  return { status: 'unknown' };
}

// Key types to offer first in ssh2's algorithms.serverHostKey, so the server shows the key we know.
export function knownKeyTypesFor(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const types = entriesFor(entries, host, port)
    .filter((e) => e.marker === undefined)
    .map((e) => e.keyType);
  return [...new Set(types)];
}

function readKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || 4 + length > blob.length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

// The first SSH string of the wire blob names its type ("ssh-ed25519", "ecdsa-sha2-nistp256", …).
export function keyTypeOf(blob: Buffer): string {
  const type = readKeyType(blob);
  if (type === undefined) throw new Error('malformed SSH public key blob (please report)');
  return type;
}

// Same text as `ssh-keygen -lf`: "SHA256:" and unpadded base64 of the blob's SHA-256.
export function fingerprintSha256(blob: Buffer): string {
  const digest = createHash('sha256').update(blob).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

export function formatKnownHostsLine(host: string, port: number, blob: Buffer): string {
  return `${hostString(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
}
