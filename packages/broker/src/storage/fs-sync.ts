import { writeSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";

/** fsyncs a directory so that file creations, renames and deletions in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes all of `bytes[0, length)` at `position`, looping over short writes. */
export async function writeFully(
  handle: FileHandle,
  bytes: Uint8Array,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await handle.write(bytes, done, length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`short write (${done} of ${length} bytes)`);
    done += bytesWritten;
  }
}

/** As {@link writeFully}, synchronously on file descriptor `fd`. */
export function writeFullySync(fd: number, bytes: Uint8Array, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const written = writeSync(fd, bytes, done, length - done, position + done);
    if (written <= 0) throw new Error(`short write (${done} of ${length} bytes)`);
    done += written;
  }
}

/** Reads up to `length` bytes at `position` into `target`, looping over short reads; returns bytes read. */
export async function readFully(
  handle: FileHandle,
  target: Uint8Array,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(target, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}
