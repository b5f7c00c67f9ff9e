// Avro serde: binary datums (no header, no prefix) through avsc, with writer-to-reader resolution.
import type { AvroParsedSchema } from "@danube-ts/schema";
import { DanubeError, ErrorCode } from "../../errors.ts";
import { messageOf, payloadError, SchemaValidationError, SerdePhase } from "../errors.ts";
import { parseForSerde, type Serde, schemaText, WriterCache } from "../serde.ts";
import type { ResolvedSchema } from "../types.ts";
import { writerWithReaderNames } from "./avro-aliases.ts";

type AvscType = ReturnType<AvroParsedSchema["avscType"]>;
type AvscResolver = ReturnType<AvscType["createResolver"]>;

/** Options of `serdes.avro()`. */
export interface AvroSerdeOptions {
  /**
   * Return records as plain objects (`Object.prototype`) instead of avsc's record classes.
   * @default true
   */
  plainObjects?: boolean;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === "string") return `string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return `${typeof value} ${String(value)}`;
  }
  return typeof value;
}

function describeType(type: AvscType): string {
  const name = type.name ?? type.branchName;
  return name !== undefined && name !== type.typeName ? `${type.typeName} ${name}` : type.typeName;
}

/** Copies avsc records into plain objects, recursively (bytes stay Buffers). */
function toPlain(value: unknown): unknown {
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = toPlain(inner);
  return out;
}

/** A Buffer view of `bytes` (avsc reads Buffers), without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Avro values are written as binary datums; the registered schema is the given one. */
export function avroSerde<T>(schema: string | object, options: AvroSerdeOptions = {}): Serde<T> {
  const definition = schemaText(schema, "avro schema");
  const parsed = parseForSerde("avro", definition) as AvroParsedSchema;
  let reader: AvscType;
  try {
    reader = parsed.avscType();
  } catch (error) {
    throw new DanubeError(ErrorCode.INVALID_ARGUMENT, `avro schema: ${messageOf(error)}`, { cause: error });
  }
  const plain = options.plainObjects ?? true;
  /** Per writer version: the reader type to read with and its resolver (none for the same schema). */
  const resolvers = new WriterCache<{ type: AvscType; resolver: AvscResolver } | undefined>();

  const resolverFor = (writer: ResolvedSchema): { type: AvscType; resolver: AvscResolver } | undefined =>
    resolvers.get(writer, () => {
      if (writer.definition === "" || writer.fingerprint === parsed.fingerprint) return undefined;
      const writerParsed = parseForSerde("avro", writer.definition) as AvroParsedSchema;
      if (writerParsed.canonical === parsed.canonical) return undefined;
      try {
        // A namespace change is compatible by the registry's rules (unqualified names): read the
        // writer's named types under the reader's full names.
        const renamed = writerWithReaderNames(parsed.json, writerParsed.json);
        const writerType =
          renamed === undefined
            ? writerParsed.avscType()
            : (parseForSerde("avro", JSON.stringify(renamed)) as AvroParsedSchema).avscType();
        return { type: reader, resolver: reader.createResolver(writerType) };
      } catch (error) {
        throw new DanubeError(
          ErrorCode.FAILED_PRECONDITION,
          `avro: data written with version ${writer.version} of subject '${writer.subject}' cannot be read with this schema: ${messageOf(error)}`,
          { cause: error },
        );
      }
    });

  return {
    schemaType: "avro",
    definition,
    parsed,
    encode(value) {
      const issues: Array<{ path: string; message: string }> = [];
      const valid = reader.isValid(value, {
        errorHook: (path, found, type) => {
          issues.push({
            path: `/${path.join("/")}`,
            message: `expected ${describeType(type)}, got ${describeValue(found)}`,
          });
        },
      });
      if (!valid) {
        throw new SchemaValidationError(SerdePhase.Encode, "value does not match the avro schema", issues);
      }
      try {
        return reader.toBuffer(value);
      } catch (error) {
        throw payloadError(SerdePhase.Encode, "cannot encode avro value", "/", messageOf(error), error);
      }
    },
    decode(bytes, writer) {
      const resolution = writer === undefined ? undefined : resolverFor(writer);
      let value: unknown;
      try {
        value =
          resolution === undefined
            ? reader.fromBuffer(asBuffer(bytes))
            : resolution.type.fromBuffer(asBuffer(bytes), resolution.resolver);
      } catch (error) {
        throw payloadError(
          SerdePhase.Decode,
          "payload is not a valid avro datum",
          "/",
          messageOf(error),
          error,
        );
      }
      return (plain ? toPlain(value) : value) as T;
    },
  };
}
