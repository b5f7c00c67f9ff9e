// docs/schema-registry.md, "Typed serdes"; run by packages/client/test/schema-docs.test.ts.
// example:start
import { SchemaValidationError, type SerdeValue, serdes } from "../../packages/client/src/schema/index.ts";

interface Order {
  id: number;
  customer: { name: string };
  items: string[];
}
const orders = serdes.json<Order>({
  type: "object",
  properties: {
    id: { type: "integer" },
    customer: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
    items: { type: "array", items: { type: "string" } },
  },
  required: ["id", "customer", "items"],
});

const payload = orders.encode({ id: 1, customer: { name: "Ada" }, items: ["book"] });
const order: SerdeValue<typeof orders> = orders.decode(payload); // typed as Order
console.log("json", order.customer.name, new TextDecoder().decode(payload));

try {
  orders.encode({ id: 1.5, customer: { name: "Ada" }, items: [] });
} catch (error) {
  if (error instanceof SchemaValidationError) {
    console.log("invalid", error.code, error.phase, error.issues[0]?.path, error.issues[0]?.message);
  }
}

// Avro: binary datums (no header), through avsc.
const users = serdes.avro<{ id: number; name: string }>({
  type: "record",
  name: "User",
  fields: [
    { name: "id", type: "long" },
    { name: "name", type: "string" },
  ],
});
console.log(
  "avro",
  users.encode({ id: 42, name: "Ada" }).length,
  users.decode(users.encode({ id: 42, name: "Ada" })).name,
);

// Protobuf: the message of a .proto file (field names as written, enums as numbers).
const proto = `
syntax = "proto3";
package shop;
message Payment { string order_id = 1; int64 cents = 2; }
`;
const payments = serdes.protobuf<{ order_id: string; cents: number }>(proto, "shop.Payment");
console.log("protobuf", payments.decode(payments.encode({ order_id: "o-1", cents: 1250 })).cents);

// string (UTF-8), number (8-byte big-endian double; 4-byte floats decode too), bytes (as is).
console.log(
  "number",
  serdes.number().encode(1.5).length,
  serdes.number().decode(new Uint8Array([0x3f, 0xc0, 0, 0])),
);
// example:end
