// gRPC over HTTP/2 framing, the one implementation the client's raw node:http2 path uses:
// length-prefixed messages, the grpc-timeout header, and the status carried in trailers
// (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md).

/** Bytes of the prefix before each message: 1 compressed flag + 4 length (big endian). */
export const frameHeaderBytes = 5;

/** One uncompressed message with its 5-byte prefix. */
export function encodeFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(frameHeaderBytes + message.byteLength);
  frame[0] = 0;
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, frameHeaderBytes);
  return frame;
}

/** Why a response body is not a valid gRPC message sequence. */
export class FramingError extends Error {
  override readonly name = "FramingError";
}

/**
 * Collects DATA chunks into whole messages. Compressed messages are refused (this client never
 * offers an encoding, so a server must not send one); so is a message over `maxBytes`.
 */
export class FrameDecoder {
  readonly #maxBytes: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  readonly messages: Buffer[] = [];

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Adds one chunk; complete messages are appended to `messages`. Throws FramingError. */
  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.byteLength;
    while (this.#buffered >= frameHeaderBytes) {
      const head = this.#peek(frameHeaderBytes);
      if (head[0] !== 0)
        throw new FramingError(`compressed message (flag ${head[0]}) without an agreed encoding`);
      const length = head.readUInt32BE(1);
      if (length > this.#maxBytes)
        throw new FramingError(`message of ${length} bytes exceeds ${this.#maxBytes}`);
      if (this.#buffered < frameHeaderBytes + length) return;
      const all = this.#take(frameHeaderBytes + length);
      this.messages.push(all.subarray(frameHeaderBytes));
    }
  }

  /** Whether a partial message is left (a body that ended mid-message is malformed). */
  get partial(): boolean {
    return this.#buffered > 0;
  }

  #peek(n: number): Buffer {
    if (this.#chunks[0]!.byteLength < n) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0]!;
  }

  #take(n: number): Buffer {
    const joined = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    const taken = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.#chunks = rest.byteLength > 0 ? [rest] : [];
    this.#buffered = rest.byteLength;
    return taken;
  }
}

/** The `grpc-timeout` header value for `ms` milliseconds left (at least 1 ms, at most 8 digits). */
export function grpcTimeout(ms: number): string {
  const value = Math.max(1, Math.ceil(ms));
  if (value < 100_000_000) return `${value}m`;
  const seconds = Math.ceil(value / 1000);
  if (seconds < 100_000_000) return `${seconds}S`;
  return `${Math.min(99_999_999, Math.ceil(seconds / 3600))}H`;
}

/** A call's final status as read from trailers (or a trailers-only response). */
export interface GrpcStatus {
  code: number;
  details: string;
}

/**
 * The status in `headers` (grpc-status, grpc-message percent-decoded), or undefined when
 * grpc-status is missing or not a number.
 */
export function readStatus(headers: Record<string, string | string[] | undefined>): GrpcStatus | undefined {
  const raw = headers["grpc-status"];
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const message = headers["grpc-message"];
  const encoded = (Array.isArray(message) ? message[0] : message) ?? "";
  let details = encoded;
  try {
    details = decodeURIComponent(encoded);
  } catch {
    // Not valid percent-encoding: keep the raw text.
  }
  return { code: Number(text), details };
}

/** Whether an HTTP/2 response's headers announce a gRPC response (200 and application/grpc*). */
export function isGrpcResponse(headers: Record<string, string | string[] | number | undefined>): boolean {
  const contentType = headers["content-type"];
  return (
    headers[":status"] === 200 &&
    typeof contentType === "string" &&
    (contentType === "application/grpc" || contentType.startsWith("application/grpc+"))
  );
}
