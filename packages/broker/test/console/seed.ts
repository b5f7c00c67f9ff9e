// A live broker with the web console on and real data in it: topics of both kinds, a partitioned
// topic, JSON and Avro schemas (two versions each), stored messages, a binary payload, a long
// payload and a dead-letter topic fed by a subscription whose consumer nacks a poison message.
// Used by the console's API and browser tests and by scripts/console-screenshots.ts.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AdminClient,
  connectSchemaRegistry,
  createAdminClient,
  createClient,
  type DanubeClient,
  serdes,
} from "@danube-ts/client";
import { type BrokerOptions, type RunningBroker, startBroker } from "../../src/index.ts";
import { until } from "../until.ts";

export const SEED = {
  orders: "/default/orders",
  payments: "/default/payments",
  events: "/default/events",
  blobs: "/default/blobs",
  partitioned: "/default/clicks",
  dlq: "/default/orders-dlq",
  ordersSubject: "orders-value",
  paymentsSubject: "payments-value",
} as const;

export interface SeededBroker {
  broker: RunningBroker;
  client: DanubeClient;
  admin: AdminClient;
  consoleUrl: string;
  close(): Promise<void>;
}

const orderV1 = {
  type: "object",
  properties: { id: { type: "integer" }, item: { type: "string" } },
  required: ["id"],
};
export const ORDER_V2 = {
  type: "object",
  properties: { id: { type: "integer" }, item: { type: "string" }, quantity: { type: "integer" } },
  required: ["id"],
};
const paymentV1 = {
  type: "record",
  name: "Payment",
  fields: [
    { name: "id", type: "long" },
    { name: "amount", type: "double" },
  ],
};
const paymentV2 = {
  ...paymentV1,
  fields: [...paymentV1.fields, { name: "currency", type: "string", default: "EUR" }],
};

export async function seededBroker(options: Partial<BrokerOptions> = {}): Promise<SeededBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), "danube-console-"));
  const broker = await startBroker({ dataDir, port: 0, adminPort: 0, console: { port: 0 }, ...options });
  const client = createClient({ serviceUrl: broker.url, adminUrl: broker.adminUrl });
  const admin = createAdminClient({ adminUrl: broker.adminUrl });
  const registry = connectSchemaRegistry({ serviceUrl: broker.url });
  const close = async () => {
    await registry.close();
    await client.close();
    await admin.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // JSON schema with two versions; the topic's producer writes with v2.
    await registry.registerSchema({
      subject: SEED.ordersSubject,
      schemaType: "json_schema",
      schema: orderV1,
    });
    const orders = await client.createProducer({
      topic: SEED.orders,
      name: "order-service",
      dispatchStrategy: "Reliable",
      schema: { subject: SEED.ordersSubject, serde: serdes.json(ORDER_V2), autoRegister: true },
    });
    await admin.setSubscriptionFailurePolicy({
      topic: SEED.orders,
      subscription: "billing",
      policy: {
        maxRedeliveryCount: 1,
        ackTimeoutMs: 30_000,
        baseRedeliveryDelayMs: 10,
        maxRedeliveryDelayMs: 100,
        backoffStrategy: "Fixed",
        poisonPolicy: "DeadLetter",
        deadLetterTopic: SEED.dlq,
      },
    });
    const billing = await client.subscribe({
      topic: SEED.orders,
      subscription: "billing",
      consumerName: "billing-1",
      subscriptionType: "Shared",
    });
    const consumed = (async () => {
      for await (const m of billing) {
        const order = JSON.parse(m.text()) as { id: number };
        if (order.id === 13) await m.nack({ reason: "order 13 cannot be billed" });
        else await m.ack();
      }
    })().catch(() => {});
    // A second subscription that never reads: its backlog is every message.
    const audit = await client.subscribe({
      topic: SEED.orders,
      subscription: "audit",
      consumerName: "audit-1",
    });
    await audit.close();
    for (let id = 1; id <= 14; id++) await orders.send({ id, item: `item-${id}`, quantity: id % 4 });

    // Avro with two versions.
    await registry.registerSchema({ subject: SEED.paymentsSubject, schemaType: "avro", schema: paymentV1 });
    const payments = await client.createProducer({
      topic: SEED.payments,
      name: "payment-gateway",
      dispatchStrategy: "Reliable",
      schema: { subject: SEED.paymentsSubject, serde: serdes.avro(paymentV2), autoRegister: true },
    });
    for (let id = 1; id <= 5; id++)
      await payments.send({ id, amount: id * 10.5, currency: id % 2 ? "EUR" : "USD" });

    // No schema: a binary payload, a text one with markup, and a long one.
    const blobs = await client.createProducer({
      topic: SEED.blobs,
      name: "blob-writer",
      dispatchStrategy: "Reliable",
    });
    await blobs.send(new Uint8Array([0, 1, 2, 0xfe, 0xff, 0x80]));
    await blobs.send("<script>alert('x')</script> & <b>bold</b>");
    await blobs.send("x".repeat(10_000));

    // Non-reliable topic with a live consumer, and a partitioned topic.
    const events = await client.createProducer({ topic: SEED.events, name: "clickstream" });
    const watcher = await client.subscribe({
      topic: SEED.events,
      subscription: "live",
      consumerName: "watcher",
    });
    void (async () => {
      for await (const m of watcher) await m.ack();
    })().catch(() => {});
    for (let i = 0; i < 5; i++) await events.send(`event ${i}`);
    await admin.createPartitionedTopic({
      name: SEED.partitioned,
      partitions: 3,
      dispatchStrategy: "Reliable",
    });

    // The poison order reaches the dead-letter topic.
    await until(
      "the dead-lettered order",
      async () => (await admin.listNamespaceTopics("default")).some((t) => t.name === SEED.dlq),
      10_000,
    );
    void consumed;
    return { broker, client, admin, consoleUrl: broker.consoleUrl!, close };
  } catch (err) {
    await close();
    throw err;
  }
}
