import { constants } from "node:fs";
import { open } from "node:fs/promises";

/** Why a file could not be read as evidence, in words for the person who named it. */
export class EvidenceFileError extends Error {
  override name = "EvidenceFileError";
}

const CHUNK = 64 * 1024;

/**
 * Reads at most `maxBytes` from any kind of file — regular, device (`/dev/zero`), FIFO or socket — within
 * `timeoutMs`. Opened without blocking, so a FIFO nobody writes to cannot hold the process; a file that goes on
 * past the limit is refused rather than read to its end, and one that stalls is given up at the time limit.
 */
export async function readBounded(file: string, opts: { maxBytes: number; timeoutMs: number }): Promise<string> {
  const deadline = Date.now() + opts.timeoutMs;
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      if (Date.now() > deadline)
        throw new EvidenceFileError(
          `nothing more arrived within ${opts.timeoutMs / 1000} s; pass a file, not a stream`,
        );
      const buffer = Buffer.alloc(Math.min(CHUNK, opts.maxBytes + 1 - total));
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
      } catch (err) {
        // A FIFO or socket with a writer that has nothing to say yet.
        if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > opts.maxBytes)
        throw new EvidenceFileError(
          `larger than ${Math.round((opts.maxBytes / 1024 / 1024) * 10) / 10} MB; pass the relevant excerpt`,
        );
      chunks.push(buffer.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    await handle.close();
  }
}
