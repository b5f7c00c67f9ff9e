// Consumer side: decodes received payloads with the writer schema named by the message.
import { DanubeError, ErrorCode } from "../errors.ts";
import type { CallOptions } from "../options.ts";
import type { SchemaRegistryReader } from "./registry.ts";
import type { Serde } from "./serde.ts";
import type { ResolvedSchema } from "./types.ts";

/** The fields of a received message that decoding reads (a `Message` has them). */
export interface DecodableMessage {
  readonly payload: Uint8Array;
  readonly schemaId?: bigint | undefined;
  readonly schemaVersion?: number | undefined;
}

/** The outcome of {@link SchemaDecoder.decodeSettled}. */
export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: DanubeError };

/** Decodes messages into values of the serde's type. */
export interface SchemaDecoder<T> {
  readonly serde: Serde<T>;
  /**
   * Decodes one message. With a schema id, the writer schema (id, version; version 1 when the
   * message has none, as the broker assumes) is read through the registry's cache and must have
   * the serde's type; Avro data is resolved from that writer schema to the serde's schema.
   * Without a schema id the payload is decoded with the serde's own schema.
   */
  decode(message: DecodableMessage, options?: CallOptions): Promise<T>;
  /** Like `decode`, but never rejects: failures come back as `{ ok: false, error }`. */
  decodeSettled(message: DecodableMessage, options?: CallOptions): Promise<DecodeResult<T>>;
  /** The writer schema of a message (cached), undefined when it carries no schema id. */
  writerSchema(message: DecodableMessage, options?: CallOptions): Promise<ResolvedSchema | undefined>;
}

/** A decoder reading writer schemas from `registry` (use `client.schema`). */
export function createSchemaDecoder<T>(registry: SchemaRegistryReader, serde: Serde<T>): SchemaDecoder<T> {
  const writerSchema = async (
    message: DecodableMessage,
    options?: CallOptions,
  ): Promise<ResolvedSchema | undefined> => {
    if (message.schemaId === undefined) return undefined;
    return registry.getSchema(message.schemaId, message.schemaVersion ?? 1, options);
  };
  const decode = async (message: DecodableMessage, options?: CallOptions): Promise<T> => {
    const writer = await writerSchema(message, options);
    if (writer !== undefined && writer.schemaType !== serde.schemaType && serde.schemaType !== "bytes") {
      throw new DanubeError(
        ErrorCode.FAILED_PRECONDITION,
        `message written with ${writer.schemaType} schema (subject '${writer.subject}', version ${writer.version}) cannot be decoded by a ${serde.schemaType} serde`,
      );
    }
    return serde.decode(message.payload, writer);
  };
  return {
    serde,
    decode,
    writerSchema,
    async decodeSettled(message, options) {
      try {
        return { ok: true, value: await decode(message, options) };
      } catch (error) {
        const failure =
          error instanceof DanubeError
            ? error
            : new DanubeError(ErrorCode.UNKNOWN, `decode: ${String(error)}`, { cause: error });
        return { ok: false, error: failure };
      }
    },
  };
}
