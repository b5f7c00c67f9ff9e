// Serdes of the schema-less types: string (UTF-8), number (IEEE 754 big-endian), bytes (as is).
import { parseSchema } from "@danube-ts/schema";
import { payloadError, SerdePhase } from "../errors.ts";
import type { Serde } from "../serde.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 text. Decoding rejects invalid UTF-8. */
export function stringSerde(): Serde<string> {
  return {
    schemaType: "string",
    definition: "",
    parsed: parseSchema("string", ""),
    encode(value) {
      if (typeof value !== "string") {
        throw payloadError(
          SerdePhase.Encode,
          "value does not match the string schema",
          "/",
          `expected a string, got ${typeof value}`,
        );
      }
      return encoder.encode(value);
    },
    decode(bytes) {
      try {
        return decoder.decode(bytes);
      } catch (error) {
        throw payloadError(
          SerdePhase.Decode,
          "payload is not a string",
          "/",
          "payload is not valid UTF-8",
          error,
        );
      }
    },
  };
}

/**
 * A number as an 8-byte IEEE 754 double, big-endian. Decoding accepts 8 bytes (double) or 4
 * bytes (float), the two lengths a Danube number payload may have.
 */
export function numberSerde(): Serde<number> {
  return {
    schemaType: "number",
    definition: "",
    parsed: parseSchema("number", ""),
    encode(value) {
      if (typeof value !== "number") {
        throw payloadError(
          SerdePhase.Encode,
          "value does not match the number schema",
          "/",
          `expected a number, got ${typeof value}`,
        );
      }
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setFloat64(0, value, false);
      return bytes;
    },
    decode(bytes) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (bytes.length === 8) return view.getFloat64(0, false);
      if (bytes.length === 4) return view.getFloat32(0, false);
      throw payloadError(
        SerdePhase.Decode,
        "payload is not a number",
        "/",
        `a number payload must be 4 or 8 bytes, got ${bytes.length}`,
      );
    },
  };
}

/** Payload bytes as they are, no validation. */
export function bytesSerde(): Serde<Uint8Array> {
  return {
    schemaType: "bytes",
    definition: "",
    parsed: parseSchema("bytes", ""),
    encode(value) {
      if (!(value instanceof Uint8Array)) {
        throw payloadError(
          SerdePhase.Encode,
          "value does not match the bytes schema",
          "/",
          `expected a Uint8Array, got ${typeof value}`,
        );
      }
      return value;
    },
    decode(bytes) {
      return bytes;
    },
  };
}
