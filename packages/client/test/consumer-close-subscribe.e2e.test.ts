// client.close() (or the subscribe's signal) while the first Subscribe of client.subscribe() is on
// its way back: the broker already holds the consumer active, so subscribe() must end it there
// before it rejects (not leave it active until the broker's streamless timeout, refusing another
// Exclusive consumer). A TCP relay in front of the real broker (its advertised address) delays
// what the broker sends; the broker's Prometheus counter tells when it answered the Subscribe.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient, DanubeError, ErrorCode } from "../src/index.ts";
import { delayingRelay, subscribeOtherExclusive, subscribesAnswered } from "./delaying-relay.ts";
import { tempBroker, uniqueTopic, watchUnhandledRejections } from "./helpers.ts";

const cases = [
  { stop: "client.close()", partitions: undefined },
  { stop: "client.close()", partitions: 2 },
  { stop: "the subscribe's signal", partitions: undefined },
] as const;

for (const transport of ["stream", "unary"] as const) {
  for (const { stop, partitions } of cases) {
    const on = partitions === undefined ? "" : ` (${partitions} partitions)`;
    test(`${stop} during the first Subscribe ends the consumer on the broker${on} [${transport}]`, async (t) => {
      const unhandled = watchUnhandledRejections(t);
      const proxy = await delayingRelay(t);
      const broker = await tempBroker(t, {
        advertisedAddr: proxy.address,
        prometheus: { host: "127.0.0.1", port: 0 },
      });
      proxy.state.target = broker.port;
      const topic = uniqueTopic("close-subscribe");
      const setup = createClient({ serviceUrl: broker.url, transport });
      t.after(() => setup.close());
      const producer = await setup.createProducer({
        topic,
        name: "p",
        dispatchStrategy: "Reliable",
        partitions,
      });
      await producer.close();

      const client = createClient({
        serviceUrl: `http://${proxy.address}`,
        transport,
        requestTimeoutMs: 10_000,
      });
      t.after(() => client.close());
      const options = { topic, subscription: "s", subscriptionType: "Exclusive" } as const;
      const controller = new AbortController();
      proxy.state.delayMs = 800;
      const subscribing = client.subscribe({ ...options, consumerName: "a", signal: controller.signal });
      const outcome = subscribing.then(
        () => undefined,
        (error: unknown) => error,
      );
      // The broker registered the consumer (on every partition); its answers are still in the relay.
      await subscribesAnswered(broker.metricsUrl!, partitions ?? 1);
      const closing = stop === "client.close()" ? client.close() : controller.abort();
      const error = await outcome;
      assert.ok(error instanceof DanubeError, `subscribe() rejects with a DanubeError, not ${error}`);
      assert.equal(error.code, ErrorCode.CANCELLED, error.message);
      await closing;
      await subscribeOtherExclusive(t, proxy, broker.url, transport, options);
      unhandled.check();
    });
  }
}
