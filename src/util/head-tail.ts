// Keeps the start and the end of a stream that may be far larger than anyone wants returned: the
// first half of `max` bytes and the last half, counting what was dropped between. Memory stays
// bounded by `max` whatever the stream's size.

export interface Bounded {
  /** Head, a one-line marker when bytes were dropped, then tail. */
  bytes: Buffer;
  truncated: boolean;
  /** Bytes the stream carried in all. */
  total: number;
}

export class HeadTail {
  private readonly headMax: number;
  private readonly tailMax: number;
  private head: Buffer[] = [];
  private headSize = 0;
  private tail: Buffer[] = [];
  private tailSize = 0;
  private total = 0;

  constructor(max: number) {
    this.headMax = Math.ceil(max / 2);
    this.tailMax = Math.floor(max / 2);
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headSize < this.headMax) {
      const take = rest.subarray(0, this.headMax - this.headSize);
      this.head.push(take);
      this.headSize += take.length;
      rest = rest.subarray(take.length);
    }
    if (!rest.length || this.tailMax === 0) return;
    this.tail.push(rest);
    this.tailSize += rest.length;
    while (this.tailSize - (this.tail[0] as Buffer).length >= this.tailMax) this.tailSize -= (this.tail.shift() as Buffer).length;
  }

  /** `marker(dropped)` is the line put where bytes were left out. */
  result(marker: (dropped: number) => string = (n) => `\n[… ${n} bytes left out …]\n`): Bounded {
    const head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.tailMax) tail = tail.subarray(tail.length - this.tailMax);
    const dropped = this.total - head.length - tail.length;
    if (dropped === 0) return { bytes: Buffer.concat([head, tail]), truncated: false, total: this.total };
    const cleanHead = head.subarray(0, utf8Boundary(head, head.length));
    const tailStart = utf8Start(tail);
    const cleanTail = tail.subarray(tailStart);
    const left = dropped + (head.length - cleanHead.length) + tailStart;
    return { bytes: Buffer.concat([cleanHead, Buffer.from(marker(left)), cleanTail]), truncated: true, total: this.total };
  }
}

// The largest cut at or before `end` that does not split a UTF-8 character.
export function utf8Boundary(bytes: Buffer, end: number): number {
  let i = end;
  while (i > 0 && i > end - 4 && ((bytes[i - 1] as number) & 0xc0) === 0x80) i--;
  if (i === 0) return end;
  const lead = bytes[i - 1] as number;
  const width = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return end - (i - 1) >= width ? end : i - 1;
}

// Where the first whole character of a tail starts (continuation bytes skipped, at most 3).
function utf8Start(bytes: Buffer): number {
  let i = 0;
  while (i < 3 && i < bytes.length && ((bytes[i] as number) & 0xc0) === 0x80) i++;
  return i;
}
