// Protobuf serde: messages of a .proto file, encoded and decoded with protobufjs
// (through @danube-ts/schema's parsed schema).
import type { ProtobufParsedSchema } from "@danube-ts/schema";
import protobuf from "protobufjs";
import { DanubeError, ErrorCode } from "../../errors.ts";
import { messageOf, payloadError, SchemaValidationError, SerdePhase } from "../errors.ts";
import { parseForSerde, type Serde } from "../serde.ts";
import { LongRangeError, type LongStatics, longsFromBigints, longsFromStrings } from "./protobuf-longs.ts";

type MessageType = NonNullable<ProtobufParsedSchema["messageType"]>;

/** Options of `serdes.protobuf()`. */
export interface ProtobufSerdeOptions {
  /**
   * Include fields that are not set, with their default values (proto3 semantics), on decode.
   * @default true
   */
  defaults?: boolean;
}

/** protobufjs' verify message `a.b: reason` as an issue at `/a/b`. */
function verifyIssue(problem: string): { path: string; message: string } {
  const at = problem.indexOf(": ");
  if (at < 0) return { path: "/", message: problem };
  const path = problem
    .slice(0, at)
    .split(".")
    .map((p) => p.replace(/\[(.*?)\]/g, "/$1"))
    .join("/");
  return { path: `/${path}`, message: problem.slice(at + 2) };
}

/**
 * Values are messages of `messageName` (default: the first message of the file), field names as
 * written in the .proto file. Enums are numbers; 64-bit integers are numbers while exact
 * (|v| < 2^53) and bigints beyond (either is accepted on encode); bytes are Uint8Array. Decoding reads by field number, so data written with another version of
 * the file reads into this one (unknown fields are skipped, missing ones get defaults).
 */
export function protobufSerde<T>(
  protoText: string,
  messageName?: string,
  options: ProtobufSerdeOptions = {},
): Serde<T> {
  if (typeof protoText !== "string") {
    throw new DanubeError(ErrorCode.INVALID_ARGUMENT, "protobuf schema must be .proto source text");
  }
  const parseOptions = messageName === undefined ? {} : { messageName };
  const parsed = parseForSerde("protobuf", protoText, parseOptions) as ProtobufParsedSchema;
  const type: MessageType | undefined = parsed.messageType;
  if (type === undefined) {
    throw new DanubeError(
      ErrorCode.INVALID_ARGUMENT,
      "invalid protobuf schema: the file declares no message",
    );
  }
  const what = `value does not match protobuf message ${type.fullName.slice(1)}`;
  const toObjectOptions = { longs: String, defaults: options.defaults ?? true, arrays: true, objects: true };
  return {
    schemaType: "protobuf",
    definition: protoText,
    parsed,
    encode(value) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw payloadError(
          SerdePhase.Encode,
          what,
          "/",
          `expected an object, got ${value === null ? "null" : typeof value}`,
        );
      }
      let exact: Record<string, unknown>;
      try {
        exact = longsFromBigints(
          type,
          value as Record<string, unknown>,
          protobuf.util.Long as unknown as LongStatics,
        );
      } catch (error) {
        if (!(error instanceof LongRangeError)) throw error;
        throw new SchemaValidationError(SerdePhase.Encode, what, [
          { path: `/${error.field}`, message: error.message },
        ]);
      }
      const problem = type.verify(exact);
      if (problem !== null) throw new SchemaValidationError(SerdePhase.Encode, what, [verifyIssue(problem)]);
      try {
        return type.encode(type.fromObject(exact)).finish();
      } catch (error) {
        throw payloadError(SerdePhase.Encode, what, "/", messageOf(error), error);
      }
    },
    decode(bytes) {
      try {
        return longsFromStrings(type, type.toObject(type.decode(bytes), toObjectOptions)) as T;
      } catch (error) {
        throw payloadError(
          SerdePhase.Decode,
          `payload is not a valid ${type.fullName.slice(1)}`,
          "/",
          messageOf(error),
          error,
        );
      }
    },
  };
}
