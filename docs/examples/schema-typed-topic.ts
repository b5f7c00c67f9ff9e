// docs/schema-registry.md, "Typed producers and consumers"; run by packages/client/test/schema-docs.test.ts.
// example:start
import { createClient, DanubeError, serdes } from "../../packages/client/src/index.ts";

const serviceUrl = process.env.DANUBE_SERVICE_URL ?? "http://127.0.0.1:6650";
await using client = createClient({ serviceUrl });

interface Payment {
  id: number;
  amount: number;
  currency: string;
}
const payments = serdes.json<Payment>({
  type: "object",
  properties: { id: { type: "integer" }, amount: { type: "number" }, currency: { type: "string" } },
  required: ["id", "amount", "currency"],
});

// The producer resolves the subject's version once (registering the schema first, if asked to)
// and stamps its schema id and version on every message. send() takes Payment values.
const producer = await client.createProducer({
  topic: "/default/payments",
  name: "payments-api",
  dispatchStrategy: "Reliable",
  schema: { subject: "payments-value", serde: payments, autoRegister: true },
});
// The consumer decodes each message with the writer schema it names; message.value is a Payment.
const consumer = await client.subscribe({
  topic: "/default/payments",
  subscription: "ledger",
  consumerName: "ledger-1",
  serde: payments,
});

await producer.send({ id: 1, amount: 9.99, currency: "EUR" });
try {
  await producer.send({ id: 2, amount: "free" } as unknown as Payment); // validated before any RPC
} catch (error) {
  if (error instanceof DanubeError) console.log("invalid", error.code);
}

for await (const message of consumer) {
  const payment: Payment = message.value;
  console.log("paid", payment.id, payment.amount, payment.currency, "schema version", message.schemaVersion);
  await message.ack();
  break;
}
// example:end
