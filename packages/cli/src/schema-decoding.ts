// Decoding consumed messages with their writer schema (read from the registry, one serde per
// schema version), as upstream's CLI does when a message carries a schema id.
import type { Message, ResolvedSchema, SchemaRegistry, Serde } from "@danube-ts/client";
import { errorWords } from "./error-words.ts";
import type { Decoded } from "./message-output.ts";
import { serdeForSchema } from "./schema-values.ts";

/** Decodes messages that carry a schema id; reports each failure once per schema version. */
export class MessageDecoder {
  readonly #serdes = new Map<string, { schema: ResolvedSchema; serde: Serde<unknown> } | undefined>();
  readonly #registry: Pick<SchemaRegistry, "getSchema">;
  readonly #warn: (line: string) => void;

  constructor(registry: Pick<SchemaRegistry, "getSchema">, warn: (line: string) => void) {
    this.#registry = registry;
    this.#warn = warn;
  }

  /** The decoded value, or undefined (no schema id, or the schema or payload did not decode). */
  async decode(msg: Message): Promise<Decoded | undefined> {
    if (msg.schemaId === undefined) return undefined;
    const version = msg.schemaVersion ?? 1;
    const key = `${msg.schemaId}:${version}`;
    if (!this.#serdes.has(key)) {
      try {
        const schema = await this.#registry.getSchema(msg.schemaId, version);
        this.#serdes.set(key, { schema, serde: serdeForSchema(schema) });
      } catch (err) {
        this.#warn(`cannot load schema id ${key}: ${errorWords(err).message}; showing payloads as they are`);
        this.#serdes.set(key, undefined);
      }
    }
    const entry = this.#serdes.get(key);
    if (entry === undefined) return undefined;
    try {
      return { schema: entry.schema, value: entry.serde.decode(msg.payload, entry.schema) };
    } catch (err) {
      this.#warn(
        `offset ${msg.id.topicOffset}: payload does not decode with ${entry.schema.subject} v${version}: ${errorWords(err).message}`,
      );
      return undefined;
    }
  }
}
