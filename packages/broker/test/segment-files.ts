// A topic's segment files on disk, and the records in them (layout: src/storage/record-format.ts).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { RECORD_HEADER_BYTES } from "../src/storage/record-format.ts";

/** The folder of `topic` ("/namespace/name") under the broker's data dir. */
export const topicDir = (dataDir: string, topic: string) =>
  join(dataDir, "topics", ...topic.split("/").filter(Boolean));

/** Paths of the topic's segment files, oldest first. */
export async function segmentFiles(dataDir: string, topic: string): Promise<string[]> {
  const dir = topicDir(dataDir, topic);
  return (await readdir(dir))
    .filter((name) => name.endsWith(".log"))
    .sort()
    .map((name) => join(dir, name));
}

/** Where each record of a segment file's bytes starts, and its payload's length. */
export function recordsIn(file: Buffer): Array<{ at: number; length: number }> {
  const records: Array<{ at: number; length: number }> = [];
  for (let at = 0; at < file.length; ) {
    const length = file.readUInt32LE(at + 16);
    records.push({ at, length });
    at += RECORD_HEADER_BYTES + length;
  }
  return records;
}

/** The payloads of the records in the topic's segment files, in order. */
export async function storedRecords(dataDir: string, topic: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const path of await segmentFiles(dataDir, topic)) {
    const file = await readFile(path);
    for (const { at, length } of recordsIn(file)) {
      out.push(file.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + length));
    }
  }
  return out;
}
