import assert from "node:assert/strict";
import { test } from "node:test";
import { SchemaError } from "./errors.ts";
import { parseSchema } from "./parse.ts";

test("absurdly deep nesting is a clean SCHEMA_INVALID, not a stack overflow", () => {
  let avro = '"int"';
  for (let i = 0; i < 20_000; i++) avro = `{"type":"array","items":${avro}}`;
  assert.throws(
    () => parseSchema("avro", avro),
    (err: unknown) => err instanceof SchemaError && err.code === "SCHEMA_INVALID",
  );
});
