// client.close() (or the createProducer's signal) while the CreateProducer of
// client.createProducer() is on its way back: the broker already registered the producer, so
// createProducer() must wait for that answer (within its timeout) and close the producer it got
// before it rejects, and client.close() must wait for that before it closes the connections. No
// RPC ends a producer on the broker: a closed producer goes silent (no send, no health check) and
// the broker drops an Exclusive claim once it was silent for housekeeping.producerSilenceMs. A TCP
// relay in front of the real broker delays what the broker sends (and counts what it passes on);
// the broker's Prometheus counter tells when it answered the CreateProducer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient, DanubeError, ErrorCode } from "../src/index.ts";
import { createProducersAnswered, delayingRelay } from "./delaying-relay.ts";
import { tempBroker, uniqueTopic, watchUnhandledRejections } from "./helpers.ts";

const cases = [
  { stop: "client.close()", partitions: undefined },
  { stop: "client.close()", partitions: 2 },
  { stop: "the createProducer's signal", partitions: undefined },
] as const;

/** A producer that still sends health checks stays fresh well within the broker's silence bound. */
const healthCheckIntervalMs = 100;
const producerSilenceMs = 1_000;

for (const transport of ["stream", "unary"] as const) {
  for (const { stop, partitions } of cases) {
    const on = partitions === undefined ? "" : ` (${partitions} partitions)`;
    test(`${stop} during the first CreateProducer waits for its answer and closes that producer${on} [${transport}]`, async (t) => {
      const unhandled = watchUnhandledRejections(t);
      const proxy = await delayingRelay(t);
      const broker = await tempBroker(t, {
        advertisedAddr: proxy.address,
        prometheus: { host: "127.0.0.1", port: 0 },
        housekeeping: { producerSilenceMs },
      });
      proxy.state.target = broker.port;
      const topic = uniqueTopic("close-create");
      const client = createClient({
        serviceUrl: `http://${proxy.address}`,
        transport,
        requestTimeoutMs: 10_000,
        healthCheckIntervalMs,
      });
      t.after(() => client.close());
      const controller = new AbortController();
      proxy.state.delayMs = 800;
      const outcome = client
        .createProducer({ topic, name: "p", accessMode: "Exclusive", partitions, signal: controller.signal })
        .then(
          () => ({ error: undefined, released: proxy.state.released }),
          (error: unknown) => ({ error, released: proxy.state.released }),
        );
      // The broker registered the producer (on every partition); its answers are in the relay.
      await createProducersAnswered(broker.metricsUrl!, partitions ?? 1);
      const releasedAtStop = proxy.state.released;
      let closing: Promise<number> | undefined;
      if (stop === "client.close()") closing = client.close().then(() => proxy.state.released);
      else controller.abort();
      const { error, released } = await outcome;
      assert.ok(error instanceof DanubeError, `createProducer() rejects with a DanubeError, not ${error}`);
      assert.equal(error.code, ErrorCode.CANCELLED, error.message);
      assert.ok(released > releasedAtStop, "createProducer() rejected before the CreateProducer answer came");
      if (closing !== undefined) {
        assert.ok((await closing) > releasedAtStop, "close() resolved before the CreateProducer answer came");
      }

      // Closed: it sends no health check, so the broker lets another Exclusive producer in once
      // the first was silent long enough (a live one would hold its claim for good).
      proxy.state.delayMs = 0;
      const other = createClient({ serviceUrl: broker.url, transport });
      t.after(() => other.close());
      const deadline = Date.now() + producerSilenceMs + 5_000;
      for (;;) {
        try {
          await other.createProducer({ topic, name: "q", accessMode: "Exclusive", partitions });
          break;
        } catch (refused) {
          assert.ok(refused instanceof DanubeError, `refused with a DanubeError, not ${refused}`);
          assert.equal(refused.code, ErrorCode.FAILED_PRECONDITION, refused.message);
          assert.ok(Date.now() < deadline, `the first producer still holds its claim: ${refused.message}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      unhandled.check();
    });
  }
}
