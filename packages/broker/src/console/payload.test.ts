import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSchema } from "@danube-ts/schema";
import { viewPayload } from "./payload.ts";

const proto = `syntax = "proto3";
package shop;
message Order {
  string id = 1;
  int64 amount = 2;
  bytes note = 3;
  enum State { NEW = 0; PAID = 1; }
  State state = 4;
}`;

test("a Protobuf payload is shown decoded with its schema's message type", () => {
  const parsed = parseSchema("protobuf", proto);
  assert.equal(parsed.type, "protobuf");
  const type = parsed.messageType!;
  const bytes = type.encode(type.fromObject({ id: "o-1", amount: "9007199254740993", state: 1 })).finish();
  const view = viewPayload(bytes, { schemaType: "protobuf", definition: proto }, 4096);
  assert.equal(view.kind, "protobuf");
  assert.equal(view.decodeError, undefined);
  assert.deepEqual(JSON.parse(view.text!), {
    id: "o-1",
    amount: "9007199254740993",
    note: "",
    state: "PAID",
  });
});

test("a payload that is not the schema's message falls back to hex and says why", () => {
  const view = viewPayload(
    new Uint8Array([0xff, 0xff, 0xff]),
    { schemaType: "protobuf", definition: proto },
    4096,
  );
  assert.equal(view.kind, "binary");
  assert.equal(view.hex, "ffffff");
  assert.ok(view.decodeError, "the decode error is reported");
});
