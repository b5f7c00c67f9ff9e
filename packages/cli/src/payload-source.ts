// Where `danube produce` takes its payloads from: an argument or --message (repeated --count
// times), a file (--file, whole or line by line) or stdin (line by line, or whole).
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

/** When a message ends: at each newline (one message per line) or at the end of the input. */
export type SendOn = "newline" | "eof";

/** The payloads of one produce run. */
export interface PayloadSource {
  /** Number of messages when known up front (a repeated payload), else undefined. */
  readonly total: number | undefined;
  /** Where the payloads come from, for messages. */
  readonly describe: string;
  messages(): AsyncIterable<Uint8Array>;
}

const encoder = new TextEncoder();

/** One payload sent `count` times. */
export function repeatedPayload(payload: Uint8Array, count: number, describe: string): PayloadSource {
  return {
    total: count,
    describe,
    async *messages() {
      for (let i = 0; i < count; i++) yield payload;
    },
  };
}

/** A text payload sent `count` times. */
export function textPayload(text: string, count: number): PayloadSource {
  return repeatedPayload(encoder.encode(text), count, "the message argument");
}

/** One message per non-empty line of `input` (a trailing `\r` is dropped). */
export function linePayloads(input: () => Readable, describe: string): PayloadSource {
  return {
    total: undefined,
    describe,
    async *messages() {
      const lines = createInterface({ input: input(), crlfDelay: Number.POSITIVE_INFINITY });
      try {
        for await (const line of lines) {
          if (line.length > 0) yield encoder.encode(line);
        }
      } finally {
        lines.close();
      }
    },
  };
}

/** The whole of a stream as one payload, sent `count` times. */
export function wholeStream(input: () => Readable, count: number, describe: string): PayloadSource {
  return {
    total: count,
    describe,
    async *messages() {
      const chunks: Buffer[] = [];
      for await (const chunk of input()) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      const payload = new Uint8Array(Buffer.concat(chunks));
      for (let i = 0; i < count; i++) yield payload;
    },
  };
}

/** A file (`-` is stdin): the whole file as one message (upstream's --file), or line by line. */
export async function filePayloads(path: string, sendOn: SendOn, count: number): Promise<PayloadSource> {
  if (path === "-") return stdinPayloads(sendOn, count);
  if (sendOn === "newline") return linePayloads(() => createReadStream(path), `lines of ${path}`);
  const payload = new Uint8Array(await readFile(path));
  return repeatedPayload(payload, count, path);
}

/** Stdin, line by line (the default) or whole. */
export function stdinPayloads(sendOn: SendOn, count: number): PayloadSource {
  return sendOn === "newline"
    ? linePayloads(() => process.stdin, "lines of stdin")
    : wholeStream(() => process.stdin, count, "stdin");
}
