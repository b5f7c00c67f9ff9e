import type { Type as AvscType } from "avsc";
import avsc from "avsc";
import { errorMessage, SchemaError } from "../errors.ts";
import { type ParsedSchemaBase, type ValidationResult, validationResult } from "../types.ts";
import { canonicalJson, sha256Fingerprint } from "../util/canonical-json.ts";
import { parseJsonKeepingFloats } from "../util/json-text.ts";
import { validateAvroBinary } from "./binary.ts";
import { hasContainerMagic, validateAvroContainer } from "./container.ts";
import { validateAvroDatum } from "./datum.ts";
import { type AvroNode, parseAvroModel } from "./model.ts";

/** A parsed Avro schema. */
export interface AvroParsedSchema extends ParsedSchemaBase {
  readonly type: "avro";
  /** The schema as a JSON value. */
  readonly json: unknown;
  /** The resolved schema graph used by validation and compatibility. */
  readonly model: AvroNode;
  /**
   * Validates a payload: one Avro binary datum (no header, no prefix), or an Avro object
   * container file whose writer schema this schema can read and whose records all decode.
   */
  validate(payload: Uint8Array): ValidationResult;
  /** Validates a generic datum held in JavaScript values (see `validateAvroDatum`). */
  validateDatum(value: unknown): ValidationResult;
  /** Validates a generic datum given as JSON text; `5.0` is not accepted where an int or long is expected. */
  validateDatumJson(text: string): ValidationResult;
  /** The avsc codec for this schema (for serdes). Throws SCHEMA_UNSUPPORTED if avsc cannot represent it. */
  avscType(): AvscType;
}

/** Parses Avro schema text (JSON). Throws SchemaError SCHEMA_INVALID. */
export function parseAvroSchema(text: string): AvroParsedSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SchemaError("SCHEMA_INVALID", `Invalid Avro schema: not JSON: ${errorMessage(e)}`);
  }
  const model = parseAvroModel(json);
  const canonical = canonicalJson(json);
  let codec: AvscType | undefined;
  return {
    type: "avro",
    canonical,
    fingerprint: sha256Fingerprint(canonical),
    json,
    model,
    validate(payload) {
      const datumErrors = validateAvroBinary(model, payload);
      if (datumErrors.length === 0 || !hasContainerMagic(payload)) return validationResult(datumErrors);
      return validationResult(validateAvroContainer(model, payload));
    },
    validateDatum: (value) => validationResult(validateAvroDatum(model, value)),
    validateDatumJson(text) {
      let value: unknown;
      try {
        value = parseJsonKeepingFloats(text);
      } catch (e) {
        return validationResult([{ path: "/", message: `not JSON: ${errorMessage(e)}` }]);
      }
      return validationResult(validateAvroDatum(model, value));
    },
    avscType() {
      if (!codec) {
        try {
          codec = avsc.Type.forSchema(json as avsc.Schema);
        } catch (e) {
          throw new SchemaError(
            "SCHEMA_UNSUPPORTED",
            `avsc cannot represent this schema: ${errorMessage(e)}`,
          );
        }
      }
      return codec;
    },
  };
}
