// 64-bit integer fields of protobuf messages: numbers while exact (|v| <= 2^53 - 1), bigints
// beyond, in both directions, so that no value is silently rounded.
import type { ProtobufParsedSchema } from "@danube-ts/schema";

type MessageType = NonNullable<ProtobufParsedSchema["messageType"]>;
type Field = MessageType["fieldsArray"][number];

const SIGNED_64 = new Set(["int64", "sint64", "sfixed64"]);
const UNSIGNED_64 = new Set(["uint64", "fixed64"]);

interface LongLike {
  toString(): string;
}
/** The static side of long.js' Long (protobufjs.util.Long). */
export interface LongStatics {
  fromString(value: string, unsigned: boolean): LongLike;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** Applies `convert` to every 64-bit integer value of `value` (a message of `type`), recursively. */
function mapLongs(
  type: MessageType,
  value: Record<string, unknown>,
  convert: (v: unknown, unsigned: boolean, field: string) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  for (const field of type.fieldsArray as Field[]) {
    const current = out[field.name];
    if (current === undefined || current === null) continue;
    const one = (v: unknown): unknown => {
      if (SIGNED_64.has(field.type)) return convert(v, false, field.name);
      if (UNSIGNED_64.has(field.type)) return convert(v, true, field.name);
      const nested = field.resolvedType;
      if (nested && "fieldsArray" in nested && isRecord(v))
        return mapLongs(nested as MessageType, v, convert);
      return v;
    };
    if (field.map && isRecord(current)) {
      out[field.name] = Object.fromEntries(Object.entries(current).map(([k, v]) => [k, one(v)]));
    } else if (field.repeated && Array.isArray(current)) {
      out[field.name] = current.map(one);
    } else {
      out[field.name] = one(current);
    }
  }
  return out;
}

/** Decoded with `longs: String`: exact numbers when safe, bigints beyond. */
export function longsFromStrings(type: MessageType, value: Record<string, unknown>): Record<string, unknown> {
  return mapLongs(type, value, (v) => {
    if (typeof v !== "string") return v;
    const big = BigInt(v);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(big)
      : big;
  });
}

const RANGE = {
  signed: [-(2n ** 63n), 2n ** 63n - 1n],
  unsigned: [0n, 2n ** 64n - 1n],
} as const;

/** A 64-bit field given a bigint outside its range (protobufjs would silently wrap it around). */
export class LongRangeError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Before encoding: bigints become Long values (what protobufjs encodes exactly); a bigint outside
 * the field's range throws {@link LongRangeError}.
 */
export function longsFromBigints(
  type: MessageType,
  value: Record<string, unknown>,
  Long: LongStatics,
): Record<string, unknown> {
  return mapLongs(type, value, (v, unsigned, field) => {
    if (typeof v !== "bigint") return v;
    const [min, max] = unsigned ? RANGE.unsigned : RANGE.signed;
    if (v < min || v > max) {
      throw new LongRangeError(
        field,
        `${v} is out of range for a ${unsigned ? "unsigned" : "signed"} 64-bit field`,
      );
    }
    return Long.fromString(v.toString(), unsigned);
  });
}
