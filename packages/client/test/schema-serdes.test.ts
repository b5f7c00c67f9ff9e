// Unit tests of the typed serdes: round trips, validation failures with paths, Avro resolution.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DanubeError, ErrorCode } from "../src/errors.ts";
import { type ResolvedSchema, SchemaValidationError, type Serde, serdes } from "../src/schema/index.ts";

/** A registered version as the decoder would hand it to a serde. */
function writerOf(serde: Serde<unknown>, version = 1): ResolvedSchema {
  return {
    schemaId: 1n,
    version,
    subject: "s",
    schemaType: serde.schemaType,
    definition: serde.definition,
    description: "",
    createdAt: new Date(0),
    createdBy: "test",
    tags: [],
    fingerprint: serde.parsed.fingerprint,
    compatibilityMode: "backward",
  };
}

function validationError(fn: () => unknown): SchemaValidationError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SchemaValidationError, `expected SchemaValidationError, got ${String(error)}`);
    assert.ok(error instanceof DanubeError);
    assert.equal(error.code, ErrorCode.INVALID_ARGUMENT);
    return error;
  }
  assert.fail("expected a validation error");
}

interface Order {
  id: number;
  customer: { name: string; email?: string };
  items: string[];
}

const orderSchema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    customer: {
      type: "object",
      properties: { name: { type: "string" }, email: { type: "string" } },
      required: ["name"],
    },
    items: { type: "array", items: { type: "string" } },
  },
  required: ["id", "customer", "items"],
};

describe("serdes.json", () => {
  test("round trips a value as JSON text", () => {
    const serde = serdes.json<Order>(orderSchema);
    const order: Order = { id: 7, customer: { name: "Ada" }, items: ["a", "b"] };
    const bytes = serde.encode(order);
    assert.equal(new TextDecoder().decode(bytes), JSON.stringify(order));
    assert.deepEqual(serde.decode(bytes), order);
    assert.equal(serde.schemaType, "json_schema");
    assert.equal(serde.definition, JSON.stringify(orderSchema));
  });

  test("accepts schema text", () => {
    const serde = serdes.json<Order>(JSON.stringify(orderSchema, null, 2));
    assert.deepEqual(serde.decode(serde.encode({ id: 1, customer: { name: "x" }, items: [] })), {
      id: 1,
      customer: { name: "x" },
      items: [],
    });
  });

  test("rejects an invalid value before sending, naming path and reason", () => {
    const serde = serdes.json<Order>(orderSchema);
    const bad = { id: 1.5, customer: { name: 3 }, items: [] } as unknown as Order;
    const error = validationError(() => serde.encode(bad));
    assert.equal(error.phase, "encode");
    const paths = error.issues.map((i) => i.path).sort();
    assert.deepEqual(paths, ["/customer/name", "/id"]);
    assert.match(error.message, /\/id: must be integer/);
    assert.match(error.message, /\/customer\/name: must be string/);
  });

  test("a missing required property is reported", () => {
    const serde = serdes.json<Order>(orderSchema);
    const error = validationError(() => serde.encode({ id: 1, items: [] } as unknown as Order));
    assert.match(error.message, /must have required property 'customer'/);
  });

  test("non-serialisable values are INVALID_ARGUMENT", () => {
    const serde = serdes.json<unknown>({});
    validationError(() => serde.encode(10n));
    validationError(() => serde.encode(undefined));
  });

  test("decode validates only when asked to", () => {
    const lax = serdes.json<Order>(orderSchema);
    const strict = serdes.json<Order>(orderSchema, { validateOnDecode: true });
    const bytes = new TextEncoder().encode('{"id":"x"}');
    assert.deepEqual(lax.decode(bytes), { id: "x" });
    const error = validationError(() => strict.decode(bytes));
    assert.equal(error.phase, "decode");
    validationError(() => lax.decode(new TextEncoder().encode("{not json")));
  });

  test("an invalid schema is INVALID_ARGUMENT", () => {
    assert.throws(
      () => serdes.json("{"),
      (e: unknown) => e instanceof DanubeError && e.code === "INVALID_ARGUMENT",
    );
    assert.throws(() => serdes.json({ type: 12 }), /invalid json_schema schema/);
  });
});

const userV1 = {
  type: "record",
  name: "User",
  namespace: "com.example",
  fields: [
    { name: "id", type: "long" },
    { name: "name", type: "string" },
  ],
};
/** userV1 with two optional fields added. */
const userV2 = {
  ...userV1,
  fields: [
    ...userV1.fields,
    { name: "email", type: ["null", "string"], default: null },
    { name: "age", type: "int", default: 0 },
  ],
};

describe("serdes.avro", () => {
  test("round trips a record as a binary datum", () => {
    const serde = serdes.avro<{ id: number; name: string }>(userV1);
    const bytes = serde.encode({ id: 42, name: "Ada" });
    // zig-zag 42 = 84 = 0x54, then length 3 (zig-zag 6) and "Ada"
    assert.deepEqual([...bytes], [0x54, 0x06, 0x41, 0x64, 0x61]);
    const value = serde.decode(bytes);
    assert.deepEqual(value, { id: 42, name: "Ada" });
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
  });

  test("rejects an invalid record with the field path", () => {
    const serde = serdes.avro<{ id: number; name: string }>(userV1);
    const error = validationError(() =>
      serde.encode({ id: 1, name: 5 } as unknown as { id: number; name: string }),
    );
    assert.deepEqual(
      error.issues.map((i) => i.path),
      ["/name"],
    );
    assert.match(error.message, /\/name: expected string, got number 5/);
  });

  test("data written with v1 reads into a v2 reader (defaults filled in)", () => {
    const writer = serdes.avro<{ id: number; name: string }>(userV1);
    const reader = serdes.avro<{ id: number; name: string; email: string | null; age: number }>(userV2);
    const bytes = writer.encode({ id: 1, name: "Ada" });
    assert.deepEqual(reader.decode(bytes, writerOf(writer as Serde<unknown>, 1)), {
      id: 1,
      name: "Ada",
      email: null,
      age: 0,
    });
  });

  test("data written with v2 reads into a v1 reader (extra fields skipped)", () => {
    const writer = serdes.avro<{ id: number; name: string; email: string | null; age: number }>(userV2);
    const reader = serdes.avro<{ id: number; name: string }>(userV1);
    const bytes = writer.encode({ id: 2, name: "Bob", email: "b@x", age: 30 });
    assert.deepEqual(reader.decode(bytes, writerOf(writer as Serde<unknown>, 2)), { id: 2, name: "Bob" });
  });

  test("the writer's own schema needs no resolution, and the wrong writer fails clearly", () => {
    const serde = serdes.avro<{ id: number; name: string }>(userV1);
    const bytes = serde.encode({ id: 3, name: "C" });
    assert.deepEqual(serde.decode(bytes, writerOf(serde as Serde<unknown>)), { id: 3, name: "C" });
    const unrelated = serdes.avro<unknown>({
      type: "record",
      name: "Other",
      fields: [{ name: "x", type: "int" }],
    });
    assert.throws(
      () => serde.decode(bytes, writerOf(unrelated, 9)),
      (e: unknown) => e instanceof DanubeError && e.code === ErrorCode.FAILED_PRECONDITION,
    );
  });

  test("a corrupt payload is a decode error", () => {
    const serde = serdes.avro<{ id: number; name: string }>(userV1);
    const error = validationError(() => serde.decode(new Uint8Array([0x54, 0x7f])));
    assert.equal(error.phase, "decode");
  });

  test("schema text and primitive schemas work", () => {
    const serde = serdes.avro<string>('"string"');
    assert.equal(serde.decode(serde.encode("hé")), "hé");
  });
});

const orderProto = `
syntax = "proto3";
package shop;

message Customer {
  string name = 1;
  string email = 2;
}

enum Status {
  NEW = 0;
  PAID = 1;
}

message Order {
  int64 id = 1;
  Customer customer = 2;
  repeated string items = 3;
  Status status = 4;
  bytes blob = 5;
}
`;

interface ProtoOrder {
  id: number;
  customer: { name: string; email: string } | null;
  items: string[];
  status: number;
  blob: Uint8Array;
}

describe("serdes.protobuf", () => {
  test("round trips a typed message", () => {
    const serde = serdes.protobuf<ProtoOrder>(orderProto, "shop.Order");
    const order: ProtoOrder = {
      id: 9_007_199_254_740_991,
      customer: { name: "Ada", email: "a@x" },
      items: ["a", "b"],
      status: 1,
      blob: new Uint8Array([1, 2, 3]),
    };
    const decoded = serde.decode(serde.encode(order));
    assert.equal(decoded.id, order.id);
    assert.deepEqual(decoded.customer, order.customer);
    assert.deepEqual(decoded.items, order.items);
    assert.equal(decoded.status, 1);
    assert.deepEqual([...decoded.blob], [1, 2, 3]);
  });

  test("unset fields decode to their defaults", () => {
    const serde = serdes.protobuf<ProtoOrder>(orderProto, "Order");
    const decoded = serde.decode(serde.encode({ id: 1 } as ProtoOrder));
    assert.equal(decoded.id, 1);
    assert.deepEqual(decoded.items, []);
    assert.equal(decoded.status, 0);
    assert.equal(decoded.customer, null);
  });

  test("rejects a wrong field type with the nested path", () => {
    const serde = serdes.protobuf<ProtoOrder>(orderProto, "Order");
    const bad = { id: 1, customer: { name: 5 } } as unknown as ProtoOrder;
    const error = validationError(() => serde.encode(bad));
    assert.deepEqual(error.issues, [{ path: "/customer/name", message: "string expected" }]);
    assert.match(error.message, /shop\.Order: \/customer\/name: string expected/);
  });

  test("defaults to the first message; unknown message names are INVALID_ARGUMENT", () => {
    const serde = serdes.protobuf<{ name: string; email: string }>(orderProto);
    assert.deepEqual(serde.decode(serde.encode({ name: "n", email: "e" })), { name: "n", email: "e" });
    assert.throws(() => serdes.protobuf(orderProto, "Nope"), /no message named 'Nope'/);
    assert.throws(
      () => serdes.protobuf("syntax = "),
      (e: unknown) => e instanceof DanubeError,
    );
  });

  test("data of a newer message version reads by field number", () => {
    const v2 = orderProto.replace("bytes blob = 5;", "bytes blob = 5;\n  string note = 6;");
    const writer = serdes.protobuf<ProtoOrder & { note: string }>(v2, "Order");
    const reader = serdes.protobuf<ProtoOrder>(orderProto, "Order");
    const bytes = writer.encode({ id: 5, items: ["x"], note: "extra" } as ProtoOrder & { note: string });
    const decoded = reader.decode(bytes);
    assert.equal(decoded.id, 5);
    assert.deepEqual(decoded.items, ["x"]);
    assert.equal("note" in decoded, false);
  });
});

describe("serdes.string / number / bytes", () => {
  test("string round trips UTF-8 and rejects invalid UTF-8", () => {
    const serde = serdes.string();
    assert.deepEqual([...serde.encode("é")], [0xc3, 0xa9]);
    assert.equal(serde.decode(serde.encode("héllo ✓")), "héllo ✓");
    validationError(() => serde.decode(new Uint8Array([0xff, 0xfe])));
    validationError(() => serde.encode(3 as unknown as string));
  });

  test("number writes 8 bytes big-endian and reads 8 or 4", () => {
    const serde = serdes.number();
    const bytes = serde.encode(1.5);
    assert.deepEqual([...bytes], [0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
    assert.equal(serde.decode(bytes), 1.5);
    assert.equal(serde.decode(new Uint8Array([0x3f, 0xc0, 0, 0])), 1.5);
    assert.equal(serde.decode(serde.encode(-0.1)), -0.1);
    const error = validationError(() => serde.decode(new Uint8Array([1, 2, 3])));
    assert.match(error.message, /4 or 8 bytes, got 3/);
    validationError(() => serde.encode("1" as unknown as number));
  });

  test("bytes pass through", () => {
    const serde = serdes.bytes();
    const payload = new Uint8Array([0, 255, 7]);
    assert.equal(serde.encode(payload), payload);
    assert.equal(serde.decode(payload), payload);
    assert.equal(serde.definition, "");
    assert.equal(serde.schemaType, "bytes");
  });
});

test("protobuf 64-bit integers: exact numbers while safe, bigints beyond, both ways", () => {
  const serde = serdes.protobuf<{ a: number | bigint; b: number | bigint; r: Array<number | bigint> }>(
    'syntax = "proto3"; message M { int64 a = 1; uint64 b = 2; repeated sint64 r = 3; }',
  );
  const value = { a: -9_223_372_036_854_775_808n, b: 18_446_744_073_709_551_615n, r: [1, 2n ** 60n] };
  const back = serde.decode(serde.encode(value));
  assert.equal(back.a, -9_223_372_036_854_775_808n);
  assert.equal(back.b, 18_446_744_073_709_551_615n);
  assert.deepEqual(back.r, [1, 2n ** 60n]);
  assert.deepEqual(serde.decode(serde.encode({ a: 42, b: 7, r: [] })), { a: 42, b: 7, r: [] });
});

test("avro: a namespace change reads (the registry calls it compatible)", () => {
  const writer = { type: "record", name: "User", namespace: "com.a", fields: [{ name: "id", type: "int" }] };
  const reader = { type: "record", name: "User", namespace: "com.b", fields: [{ name: "id", type: "int" }] };
  const written = serdes.avro<{ id: number }>(writer).encode({ id: 7 });
  const definition = JSON.stringify(writer);
  const writerSchema = {
    schemaId: 1n,
    version: 1,
    subject: "users",
    schemaType: "avro" as const,
    definition,
    fingerprint: "sha256:writer",
    description: "",
    createdAt: new Date(0),
    createdBy: "",
    tags: [],
    compatibilityMode: "backward",
  };
  assert.deepEqual(serdes.avro<{ id: number }>(reader).decode(written, writerSchema), { id: 7 });
});

test("avro: adding a namespace to a record (and nested types) reads old data", () => {
  const writer = {
    type: "record",
    name: "User",
    fields: [
      { name: "id", type: "int" },
      { name: "kind", type: { type: "enum", name: "Kind", symbols: ["A", "B"] } },
    ],
  };
  const reader = { ...writer, namespace: "com.x" };
  const written = serdes.avro<{ id: number; kind: string }>(writer).encode({ id: 3, kind: "B" });
  const writerSchema = {
    schemaId: 1n,
    version: 1,
    subject: "users",
    schemaType: "avro" as const,
    definition: JSON.stringify(writer),
    fingerprint: "sha256:writer-without-namespace",
    description: "",
    createdAt: new Date(0),
    createdBy: "",
    tags: [],
    compatibilityMode: "backward",
  };
  assert.deepEqual(serdes.avro<{ id: number; kind: string }>(reader).decode(written, writerSchema), {
    id: 3,
    kind: "B",
  });
});

test("protobuf: a bigint outside the field's 64-bit range is refused, never wrapped", () => {
  const serde = serdes.protobuf<{ a: bigint; b: bigint }>(
    'syntax = "proto3"; message M { int64 a = 1; uint64 b = 2; }',
  );
  for (const value of [
    { a: 2n ** 63n, b: 0n },
    { a: 0n, b: -1n },
    { a: 0n, b: 2n ** 64n },
  ]) {
    assert.throws(() => serde.encode(value), SchemaValidationError);
  }
});
