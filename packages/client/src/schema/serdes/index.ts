// The serde factories, grouped as `serdes.json()`, `serdes.avro()`, ...
import type { Serde } from "../serde.ts";
import { type AvroSerdeOptions, avroSerde } from "./avro.ts";
import { type JsonSerdeOptions, jsonSerde } from "./json.ts";
import { bytesSerde, numberSerde, stringSerde } from "./primitive.ts";
import { type ProtobufSerdeOptions, protobufSerde } from "./protobuf.ts";

export type { AvroSerdeOptions, JsonSerdeOptions, ProtobufSerdeOptions };

/**
 * Typed serdes for every Danube schema type. The value type is the type argument:
 * `serdes.json<Order>(schema)` encodes `Order` values.
 */
export const serdes = {
  /** JSON text validated against a JSON Schema (text or object) before sending. */
  json<T = unknown>(schema: string | object, options?: JsonSerdeOptions): Serde<T> {
    return jsonSerde<T>(schema, options);
  },
  /** Avro binary datums for an Avro schema (text or object); reads older/newer writer versions. */
  avro<T = unknown>(schema: string | object, options?: AvroSerdeOptions): Serde<T> {
    return avroSerde<T>(schema, options);
  },
  /** Protobuf messages of `messageName` (default: the file's first message) in .proto source. */
  protobuf<T = Record<string, unknown>>(
    protoText: string,
    messageName?: string,
    options?: ProtobufSerdeOptions,
  ): Serde<T> {
    return protobufSerde<T>(protoText, messageName, options);
  },
  /** UTF-8 text. */
  string: stringSerde,
  /** 8-byte big-endian doubles (decode also accepts 4-byte floats). */
  number: numberSerde,
  /** Raw bytes. */
  bytes: bytesSerde,
} as const;
