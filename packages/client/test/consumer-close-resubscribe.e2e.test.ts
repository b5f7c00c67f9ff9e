// close() while the consumer's Subscribe after a broker restart is on its way back: the broker
// already holds the consumer active, so close() must end it there (not leave it active until the
// broker's streamless timeout, refusing another Exclusive consumer). The broker is the real one,
// restarted on the same data dir; a TCP relay in front of it (its advertised address) delays what
// the broker sends, and its Prometheus counter tells when it answered the Subscribe.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type RunningBroker, startBroker } from "../../broker/src/index.ts";
import { createClient } from "../src/index.ts";
import { delayingRelay, subscribeOtherExclusive, subscribesAnswered } from "./delaying-relay.ts";
import { uniqueTopic, watchUnhandledRejections } from "./helpers.ts";

for (const transport of ["stream", "unary"] as const) {
  test(`close() during the Subscribe of a resubscribe ends the consumer on the broker [${transport}]`, async (t) => {
    const unhandled = watchUnhandledRejections(t);
    const dataDir = await mkdtemp(join(tmpdir(), "danube-client-close-resub-"));
    const proxy = await delayingRelay(t);
    const start = async () => {
      const started = await startBroker({
        dataDir,
        port: 0,
        adminPort: 0,
        advertisedAddr: proxy.address,
        prometheus: { host: "127.0.0.1", port: 0 },
      });
      proxy.state.target = started.port;
      return started;
    };
    let broker: RunningBroker = await start();
    t.after(async () => {
      await broker.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    const client = createClient({
      serviceUrl: `http://${proxy.address}`,
      transport,
      retry: { maxRetries: 40, baseDelayMs: 20, maxDelayMs: 100 },
      requestTimeoutMs: 10_000,
    });
    t.after(() => client.close());
    const topic = uniqueTopic("close-resubscribe");
    const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
    const options = { topic, subscription: "s", subscriptionType: "Exclusive" } as const;
    const consumer = await client.subscribe({ ...options, consumerName: "a" });
    await producer.send("before");
    await (await consumer.receive({ timeoutMs: 10_000 })).ack();
    await producer.close();

    await broker.close();
    proxy.state.delayMs = 800;
    broker = await start();
    await subscribesAnswered(broker.metricsUrl!, 1);
    // The broker registered the consumer; its answer is still in the relay.
    await consumer.close();
    await subscribeOtherExclusive(t, proxy, broker.url, transport, options);
    unhandled.check();
  });
}
