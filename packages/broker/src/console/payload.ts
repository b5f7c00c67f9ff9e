// How the console shows a stored payload: decoded with its schema when it has one (JSON Schema
// payloads as JSON, Avro and Protobuf through the schema engine's codecs), else as text when it is printable
// UTF-8, else as hex. Long payloads are cut; the page only ever inserts the result as text.
import { parseSchema, type SchemaType } from "@danube-ts/schema";

export type PayloadKind = "json" | "avro" | "protobuf" | "text" | "binary";

export interface PayloadView {
  /** Payload size in bytes (the whole payload, also when the view is cut). */
  size: number;
  kind: PayloadKind;
  /** Text (JSON pretty-printed for json, avro and protobuf); undefined for binary. */
  text?: string;
  /** Hex of the shown bytes, for binary payloads. */
  hex?: string;
  /** The view covers only the first `maxPreviewBytes` bytes (text is cut at a character). */
  truncated: boolean;
  /** Why decoding with the schema failed (the view then falls back to text or hex). */
  decodeError?: string;
}

/** A schema version as the console needs it to decode payloads. */
export interface SchemaForPayload {
  schemaType: SchemaType;
  definition: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Printable: no control characters other than tab, newline and carriage return. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function asText(bytes: Uint8Array): string | undefined {
  try {
    const text = utf8.decode(bytes);
    return CONTROL.test(text) ? undefined : text;
  } catch {
    return undefined;
  }
}

/** JSON.stringify that survives what decoders return: bigints, byte arrays, avsc record classes. */
export function jsonText(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString("hex")}`;
      if (v && typeof v === "object" && (v as { type?: unknown }).type === "Buffer") {
        const data = (v as { data?: unknown }).data;
        if (Array.isArray(data)) return `0x${Buffer.from(data as number[]).toString("hex")}`;
      }
      return v;
    },
    2,
  );
}

/** Cuts `text` to at most `max` UTF-16 code units without splitting a surrogate pair. */
function cut(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return { text: text.slice(0, end), truncated: true };
}

const cache = new Map<string, ReturnType<typeof parseSchema>>();
const CACHE_MAX = 64;

function parsed(schema: SchemaForPayload): ReturnType<typeof parseSchema> {
  const key = `${schema.schemaType}\u0000${schema.definition}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = parseSchema(schema.schemaType, schema.definition);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, entry);
  }
  return entry;
}

function decodeWith(schema: SchemaForPayload, payload: Uint8Array): { kind: PayloadKind; text: string } {
  const p = parsed(schema);
  if (p.type === "avro") {
    const value = p
      .avscType()
      .fromBuffer(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    return { kind: "avro", text: jsonText(value) };
  }
  if (p.type === "json_schema") {
    const text = asText(payload);
    if (text === undefined) throw new Error("payload is not UTF-8 text");
    return { kind: "json", text: jsonText(JSON.parse(text)) };
  }
  if (p.type === "protobuf") {
    const type = p.messageType;
    if (type === undefined) throw new Error("the Protobuf schema declares no message");
    const message = type.decode(payload);
    // 64-bit integers as decimal strings, bytes as base64, enums by name, unset fields shown.
    const value = type.toObject(message, { longs: String, bytes: String, enums: String, defaults: true });
    return { kind: "protobuf", text: jsonText(value) };
  }
  throw new Error(`payloads of schema type ${p.type} are shown undecoded`);
}

/** The view of one payload; `schema` is the version named by the message, when it has one. */
export function viewPayload(
  payload: Uint8Array,
  schema: SchemaForPayload | undefined,
  maxPreviewBytes: number,
): PayloadView {
  const size = payload.length;
  let decodeError: string | undefined;
  const decodable = ["avro", "json_schema", "protobuf"];
  if (schema && decodable.includes(schema.schemaType)) {
    try {
      const decoded = decodeWith(schema, payload);
      const shown = cut(decoded.text, maxPreviewBytes);
      return { size, kind: decoded.kind, text: shown.text, truncated: shown.truncated };
    } catch (err) {
      decodeError = err instanceof Error ? err.message : String(err);
    }
  }
  const head = payload.subarray(0, maxPreviewBytes);
  const truncated = size > head.length;
  // A cut may split a UTF-8 sequence: decode the whole payload's prefix leniently in that case.
  const text = truncated ? asTextPrefix(head) : asText(head);
  const extra = decodeError === undefined ? {} : { decodeError };
  if (text !== undefined) return { size, kind: "text", text, truncated, ...extra };
  return { size, kind: "binary", hex: Buffer.from(head).toString("hex"), truncated, ...extra };
}

/** Text of a prefix that may end inside a UTF-8 sequence (up to 3 trailing bytes dropped). */
function asTextPrefix(bytes: Uint8Array): string | undefined {
  for (let drop = 0; drop <= 3 && drop < bytes.length; drop++) {
    const text = asText(bytes.subarray(0, bytes.length - drop));
    if (text !== undefined) return text;
  }
  return undefined;
}
