/**
 * Encoding of MetadataStore values: JSON, extended with bigint and Uint8Array through tags.
 *
 *   123n                      -> {"$bigint":"123"}
 *   Uint8Array [1, 2]         -> {"$bytes":"AQI="}        (base64; decodes to a plain Uint8Array)
 *   {"$bigint": "x"} (a plain object whose only key starts with "$")
 *                             -> {"$esc":{"$bigint":"x"}}  so user data is never mistaken for a tag
 *
 * Everything else follows JSON.stringify: toJSON() is honoured (Date -> string), non-finite
 * numbers become null, undefined/function/symbol properties are dropped (null in arrays).
 */

/** A JSON value as stored: the tagged form. */
export type TaggedJson = null | boolean | number | string | TaggedJson[] | { [key: string]: TaggedJson };

/** The tagged JSON form of `value`. Throws TypeError for cycles and for values JSON cannot hold at all. */
export function encodeValue(value: unknown): TaggedJson {
  const encoded = encode(value, "", []);
  if (encoded === undefined) throw new TypeError(`a ${typeof value} cannot be stored`);
  return encoded;
}

function encode(input: unknown, key: string, ancestors: object[]): TaggedJson | undefined {
  let value = input;
  if (typeof value === "object" && value !== null && !(value instanceof Uint8Array)) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") value = toJSON.call(value, key);
  }
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return { $bigint: value.toString() };
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) {
    return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  }
  const object = value as object;
  if (ancestors.includes(object)) throw new TypeError("cannot store a value with a circular reference");
  ancestors.push(object);
  let result: TaggedJson;
  if (Array.isArray(object)) {
    result = object.map((item, index) => encode(item, String(index), ancestors) ?? null);
  } else {
    const entries: Array<[string, TaggedJson]> = [];
    for (const [name, item] of Object.entries(object)) {
      const encoded = encode(item, name, ancestors);
      if (encoded !== undefined) entries.push([name, encoded]);
    }
    // Object.fromEntries defines properties, so a "__proto__" key stays a plain key.
    result = Object.fromEntries(entries);
    if (entries.length === 1 && entries[0][0].startsWith("$")) result = { $esc: result };
  }
  ancestors.pop();
  return result;
}

/** The value a tagged JSON tree stands for (a fresh object graph). */
export function decodeValue(tagged: TaggedJson): unknown {
  if (tagged === null || typeof tagged !== "object") return tagged;
  if (Array.isArray(tagged)) return tagged.map(decodeValue);
  const keys = Object.keys(tagged);
  if (keys.length === 1) {
    const inner = tagged[keys[0]];
    if (keys[0] === "$bigint" && typeof inner === "string") return BigInt(inner);
    if (keys[0] === "$bytes" && typeof inner === "string")
      return new Uint8Array(Buffer.from(inner, "base64"));
    if (keys[0] === "$esc" && inner !== null && typeof inner === "object" && !Array.isArray(inner)) {
      return decodeFields(inner);
    }
  }
  return decodeFields(tagged);
}

function decodeFields(tagged: { [key: string]: TaggedJson }): Record<string, unknown> {
  return Object.fromEntries(Object.entries(tagged).map(([name, item]) => [name, decodeValue(item)]));
}

/** Freezes plain objects and arrays recursively (typed arrays cannot be frozen and are left as they are). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
