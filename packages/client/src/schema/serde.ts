// The serde contract shared by every payload format.
import { type ParsedSchema, parseSchema, type SchemaType } from "@danube-ts/schema";
import { DanubeError, ErrorCode } from "../errors.ts";
import { messageOf } from "./errors.ts";
import type { ResolvedSchema } from "./types.ts";

/**
 * Encodes values of type `T` into message payloads and back, for one schema.
 *
 * `encode` validates before encoding and throws a `SchemaValidationError` (INVALID_ARGUMENT)
 * naming the path and reason of each problem. `decode` reads a payload written with `writer`
 * (the message's registered schema version); without it the serde's own schema is assumed.
 */
export interface Serde<T> {
  /** Canonical schema type name, as registered. */
  readonly schemaType: SchemaType;
  /** The schema text to register ("" for bytes, string and number). */
  readonly definition: string;
  /** The parsed schema (fingerprint, canonical form, validation). */
  readonly parsed: ParsedSchema;
  /** Validates and encodes one value. */
  encode(value: T): Uint8Array;
  /** Decodes one payload written with `writer` (Avro resolves it to this serde's schema). */
  decode(bytes: Uint8Array, writer?: ResolvedSchema): T;
}

/** The value type of a serde: `SerdeValue<typeof orders>`. */
export type SerdeValue<S> = S extends Serde<infer T> ? T : never;

/** Schema text from a string or a JSON value. */
export function schemaText(schema: string | object, what: string): string {
  if (typeof schema === "string") return schema;
  try {
    const text = JSON.stringify(schema);
    if (typeof text === "string") return text;
  } catch (error) {
    throw new DanubeError(ErrorCode.INVALID_ARGUMENT, `${what}: ${messageOf(error)}`, { cause: error });
  }
  throw new DanubeError(ErrorCode.INVALID_ARGUMENT, `${what} must be schema text or a JSON value`);
}

/** Parses a schema for a serde; a bad schema is INVALID_ARGUMENT with the engine's reason. */
export function parseForSerde(
  type: SchemaType,
  text: string,
  options: { messageName?: string } = {},
): ParsedSchema {
  try {
    return parseSchema(
      type,
      text,
      options.messageName === undefined ? {} : { messageName: options.messageName },
    );
  } catch (error) {
    throw new DanubeError(ErrorCode.INVALID_ARGUMENT, `invalid ${type} schema: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/** A small cache of values derived from writer schemas, keyed by fingerprint (or text). */
export class WriterCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #max: number;

  constructor(max = 64) {
    this.#max = max;
  }

  get(writer: ResolvedSchema, build: () => V): V {
    const key = `${writer.fingerprint}\u0000${writer.definition}`;
    let value = this.#entries.get(key);
    if (value === undefined) {
      value = build();
      if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, value);
    }
    return value;
  }
}
