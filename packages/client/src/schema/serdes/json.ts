// JSON Schema serde: UTF-8 JSON text, validated with ajv (through @danube-ts/schema).
import type { JsonParsedSchema } from "@danube-ts/schema";
import { messageOf, payloadError, SchemaValidationError, SerdePhase } from "../errors.ts";
import { parseForSerde, type Serde, schemaText } from "../serde.ts";

/** Options of `serdes.json()`. */
export interface JsonSerdeOptions {
  /**
   * Also validate received payloads against this schema (a failure is a SchemaValidationError
   * with phase `decode`).
   * @default false (decode only parses the JSON)
   */
  validateOnDecode?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Values are sent as JSON text. Encoding validates what is sent (the value after a JSON round
 * trip, so `toJSON()` and dropped `undefined` fields are taken into account).
 */
export function jsonSerde<T>(schema: string | object, options: JsonSerdeOptions = {}): Serde<T> {
  const definition = schemaText(schema, "json schema");
  const parsed = parseForSerde("json_schema", definition) as JsonParsedSchema;
  const validateOnDecode = options.validateOnDecode ?? false;
  return {
    schemaType: "json_schema",
    definition,
    parsed,
    encode(value) {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (error) {
        throw payloadError(SerdePhase.Encode, "value is not JSON-serialisable", "/", messageOf(error), error);
      }
      if (text === undefined) {
        throw payloadError(SerdePhase.Encode, "value is not JSON-serialisable", "/", `got ${typeof value}`);
      }
      const result = parsed.validateValue(JSON.parse(text));
      if (!result.valid) {
        throw new SchemaValidationError(
          SerdePhase.Encode,
          "value does not match the JSON schema",
          result.errors,
        );
      }
      return encoder.encode(text);
    },
    decode(bytes) {
      let value: unknown;
      try {
        value = JSON.parse(decoder.decode(bytes));
      } catch (error) {
        throw payloadError(SerdePhase.Decode, "payload is not UTF-8 JSON", "/", messageOf(error), error);
      }
      if (validateOnDecode) {
        const result = parsed.validateValue(value);
        if (!result.valid) {
          throw new SchemaValidationError(
            SerdePhase.Decode,
            "payload does not match the JSON schema",
            result.errors,
          );
        }
      }
      return value as T;
    },
  };
}
