// The README quickstart, kept runnable: examples/quickstart.test.ts runs it against a real broker
// and checks that the README shows exactly this code (between the "quickstart" markers).
// Run it yourself with a broker on 127.0.0.1:6650: `node --import tsx examples/quickstart.ts`.
// quickstart:start
import { createClient } from "@danube-ts/client";

const serviceUrl = process.env.DANUBE_SERVICE_URL ?? "http://127.0.0.1:6650";
await using client = createClient({ serviceUrl });

const producer = await client.createProducer({
  topic: "/default/orders",
  name: "orders-producer",
  dispatchStrategy: "Reliable", // stored durably; acknowledged after fsync
});
const consumer = await client.subscribe({
  topic: "/default/orders",
  subscription: "billing",
  consumerName: "billing-1",
  subscriptionType: "Shared",
});

await producer.send(JSON.stringify({ id: 1 }), { attributes: { source: "web" }, key: "customer-7" });

for await (const message of consumer) {
  console.log(message.id.topicOffset, message.text(), message.attributes);
  await message.ack();
  break;
}
// quickstart:end
