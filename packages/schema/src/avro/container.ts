import { inflateRawSync } from "node:zlib";
import { errorMessage } from "../errors.ts";
import type { ValidationIssue } from "../types.ts";
import { decodeUtf8 } from "../util/canonical-json.ts";
import { AvroBinaryReader, AvroDecodeError } from "./binary.ts";
import { avroReaderWriterErrors } from "./compat.ts";
import { type AvroNode, parseAvroModel } from "./model.ts";

const MAGIC = [0x4f, 0x62, 0x6a, 0x01]; // "Obj" 1
/** Most bytes the deflate blocks of one container may inflate to, all blocks together. */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** True when the payload starts with the Avro object container file magic. */
export function hasContainerMagic(payload: Uint8Array): boolean {
  return payload.length >= 4 && MAGIC.every((b, i) => payload[i] === b);
}

/**
 * Validates an Avro object container file: the header's writer schema must be readable by
 * `reader`, and every record of every block must decode with the writer schema.
 */
export function validateAvroContainer(reader: AvroNode, payload: Uint8Array): ValidationIssue[] {
  const r = new AvroBinaryReader(payload);
  r.pos = 4;
  try {
    const meta = new Map<string, Uint8Array>();
    for (;;) {
      let count = r.readLong("/header");
      if (count === 0n) break;
      if (count < 0n) {
        count = -count;
        r.readLong("/header");
      }
      for (let i = 0n; i < count; i++) {
        const key = decodeUtf8(r.readBytes("/header")) ?? "";
        meta.set(key, r.readBytes(`/header/${key}`));
      }
    }
    const sync = r.readFixed(16, "/header/sync");
    const schemaBytes = meta.get("avro.schema");
    const schemaText = schemaBytes && decodeUtf8(schemaBytes);
    if (schemaText === undefined)
      return [{ path: "/header", message: "container header has no avro.schema" }];
    let writer: AvroNode;
    try {
      writer = parseAvroModel(JSON.parse(schemaText));
    } catch (e) {
      return [{ path: "/header/avro.schema", message: errorMessage(e) }];
    }
    const incompatible = avroReaderWriterErrors(reader, writer);
    if (incompatible.length > 0) {
      return incompatible.map((m) => ({ path: "/header/avro.schema", message: `writer schema: ${m}` }));
    }
    const codec = decodeUtf8(meta.get("avro.codec") ?? new Uint8Array()) || "null";
    if (codec !== "null" && codec !== "deflate") {
      return [{ path: "/header/avro.codec", message: `unsupported codec '${codec}'` }];
    }
    let block = 0;
    let records = 0;
    let inflated = 0;
    const budget = r.budget;
    while (r.pos < payload.length) {
      const at = `/blocks/${block}`;
      const count = r.readLong(at);
      if (count < 0n) return [{ path: at, message: `negative record count ${count}` }];
      let data = r.readBytes(at);
      if (codec === "deflate") {
        const limit = MAX_INFLATED_BYTES - inflated;
        try {
          data = inflateRawSync(data, { maxOutputLength: Math.max(limit, 1) });
        } catch (e) {
          if ((e as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
            return [
              { path: at, message: `deflate data inflates beyond ${MAX_INFLATED_BYTES} bytes per container` },
            ];
          }
          return [{ path: at, message: `invalid deflate data: ${errorMessage(e)}` }];
        }
        inflated += data.length;
      }
      const br = new AvroBinaryReader(data, budget);
      const decode = br.blockItems(count, writer, at);
      for (let i = 0n; i < decode; i++) br.skipDatum(writer, `${at}/${i}`);
      if (br.pos !== data.length) return [{ path: at, message: "block has trailing bytes" }];
      const marker = r.readFixed(16, `${at}/sync`);
      if (!marker.every((b, i) => b === sync[i]))
        return [{ path: `${at}/sync`, message: "sync marker mismatch" }];
      records += Number(count);
      block++;
    }
    if (records === 0) return [{ path: "/blocks", message: "container holds no record" }];
    return [];
  } catch (e) {
    if (e instanceof AvroDecodeError) return [{ path: e.path, message: e.message }];
    return [{ path: "/", message: errorMessage(e) }];
  }
}
