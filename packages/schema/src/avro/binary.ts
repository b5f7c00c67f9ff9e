import type { ValidationIssue } from "../types.ts";
import { decodeUtf8 } from "../util/canonical-json.ts";
import type { AvroNode } from "./model.ts";

/** Thrown inside the decoder; carries the location of the failing value. */
class DecodeError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const MAX_DEPTH = 512;

/** A strict reader of Avro binary encoding (spec "Binary Encoding"). */
export class AvroBinaryReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  private need(n: number, path: string): void {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new DecodeError(path, `truncated data: needs ${n} more byte(s) at offset ${this.pos}`);
    }
  }

  /** Zig-zag varint of at most 10 bytes (64 bits). */
  readLong(path: string): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      this.need(1, path);
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
      shift += 7n;
    }
    throw new DecodeError(path, "varint longer than 10 bytes");
  }

  readInt(path: string): number {
    const v = this.readLong(path);
    if (v < INT_MIN || v > INT_MAX) throw new DecodeError(path, `int out of 32-bit range: ${v}`);
    return Number(v);
  }

  readBytes(path: string): Uint8Array {
    const len = this.readLong(path);
    if (len < 0n) throw new DecodeError(path, `negative length ${len}`);
    this.need(Number(len), path);
    const out = this.buf.subarray(this.pos, this.pos + Number(len));
    this.pos += Number(len);
    return out;
  }

  readFixed(size: number, path: string): Uint8Array {
    this.need(size, path);
    const out = this.buf.subarray(this.pos, this.pos + size);
    this.pos += size;
    return out;
  }

  /** Reads and discards one datum of `node`, checking every constraint of the encoding. */
  skipDatum(node: AvroNode, path: string, depth = 0): void {
    if (depth > MAX_DEPTH) throw new DecodeError(path, "nesting too deep");
    switch (node.kind) {
      case "null":
        return;
      case "boolean": {
        const b = this.readFixed(1, path)[0]!;
        if (b > 1) throw new DecodeError(path, `invalid boolean byte ${b}`);
        return;
      }
      case "int":
        this.readInt(path);
        return;
      case "long":
        this.readLong(path);
        return;
      case "float":
        this.readFixed(4, path);
        return;
      case "double":
        this.readFixed(8, path);
        return;
      case "bytes":
        this.readBytes(path);
        return;
      case "string":
        if (decodeUtf8(this.readBytes(path)) === undefined)
          throw new DecodeError(path, "string is not UTF-8");
        return;
      case "fixed":
        this.readFixed(node.size, path);
        return;
      case "enum": {
        const i = this.readLong(path);
        if (i < 0n || i >= BigInt(node.symbols.length)) {
          throw new DecodeError(path, `enum index ${i} out of range for '${node.name}'`);
        }
        return;
      }
      case "union": {
        const i = this.readLong(path);
        if (i < 0n || i >= BigInt(node.branches.length)) {
          throw new DecodeError(
            path,
            `union branch index ${i} out of range (${node.branches.length} branches)`,
          );
        }
        this.skipDatum(node.branches[Number(i)]!, path, depth + 1);
        return;
      }
      case "record":
        for (const f of node.fields) this.skipDatum(f.type, `${path}/${f.name}`, depth + 1);
        return;
      case "array":
      case "map": {
        let index = 0;
        for (;;) {
          let count = this.readLong(path);
          if (count === 0n) return;
          if (count < 0n) {
            count = -count;
            this.readLong(path); // block size in bytes
          }
          for (let k = 0n; k < count; k++, index++) {
            if (node.kind === "array") {
              this.skipDatum(node.items, `${path}/${index}`, depth + 1);
            } else {
              const key = decodeUtf8(this.readBytes(path));
              if (key === undefined) throw new DecodeError(path, "map key is not UTF-8");
              this.skipDatum(node.values, `${path}/${key}`, depth + 1);
            }
          }
        }
      }
    }
  }
}

/** Validates that `payload` is exactly one Avro binary datum of `node`. */
export function validateAvroBinary(node: AvroNode, payload: Uint8Array): ValidationIssue[] {
  const reader = new AvroBinaryReader(payload);
  try {
    reader.skipDatum(node, "");
  } catch (e) {
    if (e instanceof DecodeError) return [{ path: e.path || "/", message: e.message }];
    throw e;
  }
  if (reader.pos !== payload.length) {
    return [{ path: "/", message: `${payload.length - reader.pos} trailing byte(s) after the datum` }];
  }
  return [];
}

export { DecodeError as AvroDecodeError };
