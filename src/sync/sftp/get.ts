import type { FileHandle } from 'node:fs/promises';
import type { SftpSession } from './session.js';

// Opens sockets: one remote file into an open local file over SFTP, a window of reads in flight,
// each written at its offset. Unlike ssh2's fastGet (whose cleanup waits for a CLOSE answer a dead
// channel never sends) it settles as soon as the channel dies, so the caller can always remove the
// temp file.

/** Up to 1 MB in flight per file: on loopback 64 KB × 16 fetched 200 MB faster than fastGet's 32 KB × 8. */
const CHUNK = 64 * 1024;
const WINDOW = 16;

/**
 * Fetches `remote` (listed with `size` bytes) into `file` (new and empty; the caller closes it). A
 * file that shrank ends where the server's data ends; one that grew since it was listed is fetched
 * as listed.
 */
export async function getFile(session: SftpSession, remote: string, file: FileHandle, size: number, onBytes: (n: number) => void): Promise<void> {
  let handle: Buffer | undefined;
  try {
    handle = await session.open(remote, 'r', 0);
    const open = handle;
    let next = 0;
    let end = size;
    let failed = false;
    const lane = async () => {
      const buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, size)));
      while (!failed && next < end) {
        const start = next;
        const want = Math.min(buf.length, end - start);
        next += want;
        let got = 0;
        // A server may answer with less than asked: ask again for the rest.
        while (got < want) {
          const n = await session.read(open, remote, buf, got, want - got, start + got);
          if (n === 0) {
            end = Math.min(end, start + got);
            break;
          }
          got += n;
        }
        if (got > 0) {
          await file.write(buf, 0, got, start);
          onBytes(got);
        }
      }
    };
    // Every lane settles before the file is closed: none writes after a failure elsewhere.
    const lanes = await Promise.allSettled(
      // No more lanes than the file has chunks: a small file costs one read and one buffer.
      Array.from({ length: Math.max(1, Math.min(WINDOW, Math.ceil(size / CHUNK))) }, async () => {
        try {
          await lane();
        } catch (error) {
          failed = true;
          throw error;
        }
      }),
    );
    const failure = lanes.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    if (end < size) await file.truncate(end);
  } finally {
    if (handle) await session.close(handle, remote).catch(() => undefined);
  }
}
