// Where commands write: stdout for data (messages, URLs), stderr for progress and errors.

/** Output of a command; tests and embedders may pass their own. */
export interface Io {
  /** Writes a line of data to stdout. */
  out(line: string): void;
  /** Writes bytes to stdout as they are, then `end` (raw payloads). */
  outBytes(bytes: Uint8Array, end: string): void;
  /** Writes a line of status or error text to stderr. */
  err(line: string): void;
}

/** The process's own stdout and stderr. */
export const processIo: Io = {
  out: (line) => {
    process.stdout.write(`${line}\n`);
  },
  outBytes: (bytes, end) => {
    process.stdout.write(bytes);
    process.stdout.write(end);
  },
  err: (line) => {
    process.stderr.write(`${line}\n`);
  },
};
