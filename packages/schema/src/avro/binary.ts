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
/**
 * Most items of zero-byte types (null, fixed of size 0, records of those) one payload may declare,
 * across all its arrays, maps and container blocks: a few bytes of block count could otherwise
 * stand for billions of items.
 */
export const MAX_ZERO_BYTE_ITEMS = 1_000_000;

const zeroableCache = new WeakMap<AvroNode, boolean>();

/**
 * Can a datum of `node` take no bytes at all? Only null, fixed(0) and records made of those can.
 * A record met again while its own answer is pending counts as zero-byte: the answer may then be
 * "can be empty" for a record that needs bytes, which only makes the caller more careful.
 */
export function canBeEmpty(node: AvroNode): boolean {
  const cached = zeroableCache.get(node);
  if (cached !== undefined) return cached;
  switch (node.kind) {
    case "null":
      return true;
    case "fixed":
      return node.size === 0;
    case "record": {
      zeroableCache.set(node, true); // pending: assume empty
      const result = node.fields.every((f) => canBeEmpty(f.type));
      zeroableCache.set(node, result);
      return result;
    }
    default:
      return false;
  }
}

/** A strict reader of Avro binary encoding (spec "Binary Encoding"). */
export class AvroBinaryReader {
  pos = 0;
  /**
   * @param budget zero-byte items still allowed; share one object between the readers of one
   *   payload (container blocks) so the limit applies to the payload as a whole.
   */
  constructor(
    readonly buf: Uint8Array,
    readonly budget: { zeroByteItems: number } = { zeroByteItems: MAX_ZERO_BYTE_ITEMS },
  ) {}

  /**
   * Checks a block of `count` items of `item` against what the data can hold: an item that needs
   * bytes cannot outnumber the bytes left; zero-byte items draw on the payload's budget.
   * Returns how many items must really be decoded (decoding a zero-byte item either succeeds
   * without reading anything or always fails the same way, so one is enough).
   */
  blockItems(count: bigint, item: AvroNode | "map-entry", path: string): bigint {
    if (item === "map-entry" || !canBeEmpty(item)) {
      const left = this.buf.length - this.pos;
      if (count > BigInt(left)) {
        throw new DecodeError(path, `block count ${count} exceeds the ${left} byte(s) left`);
      }
      return count;
    }
    if (count > BigInt(this.budget.zeroByteItems)) {
      throw new DecodeError(
        path,
        `block count ${count} of zero-byte items exceeds the limit of ${MAX_ZERO_BYTE_ITEMS} per payload`,
      );
    }
    this.budget.zeroByteItems -= Number(count);
    return count > 0n ? 1n : 0n;
  }

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
          const decode = this.blockItems(count, node.kind === "array" ? node.items : "map-entry", path);
          for (let k = 0n; k < decode; k++, index++) {
            if (node.kind === "array") {
              this.skipDatum(node.items, `${path}/${index}`, depth + 1);
            } else {
              const key = decodeUtf8(this.readBytes(path));
              if (key === undefined) throw new DecodeError(path, "map key is not UTF-8");
              this.skipDatum(node.values, `${path}/${key}`, depth + 1);
            }
          }
          index += Number(count - decode);
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
