// close() while the consumer's Subscribe after a broker restart is on its way back: the broker
// already holds the consumer active, so close() must end it there (not leave it active until the
// broker's streamless timeout, refusing another Exclusive consumer). The broker is the real one,
// restarted on the same data dir; a TCP relay in front of it (its advertised address) delays what
// the broker sends, and its Prometheus counter tells when it answered the Subscribe.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type RunningBroker, startBroker } from "../../broker/src/index.ts";
import { scrape, sum } from "../../broker/test/prom-text.ts";
import { createClient } from "../src/index.ts";
import { uniqueTopic, watchUnhandledRejections } from "./helpers.ts";

/** Forwards TCP to `target` port; what the broker sends is held `delayMs` (order kept). */
async function relay(t: import("node:test").TestContext) {
  const state = { target: 0, delayMs: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(state.target, "127.0.0.1");
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.on("data", (chunk) => upstream.write(chunk));
    // One FIFO per connection: a chunk goes out `delayMs` after it came, never before an earlier one.
    const held: { due: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      while (held.length > 0 && held[0]!.due <= Date.now()) client.write(held.shift()!.chunk);
      if (held.length > 0) timer = setTimeout(flush, held[0]!.due - Date.now());
    };
    upstream.on("data", (chunk: Buffer) => {
      held.push({ due: Date.now() + state.delayMs, chunk });
      if (timer === undefined) flush();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, state };
}

for (const transport of ["stream", "unary"] as const) {
  test(`close() during the Subscribe of a resubscribe ends the consumer on the broker [${transport}]`, async (t) => {
    const unhandled = watchUnhandledRejections(t);
    const dataDir = await mkdtemp(join(tmpdir(), "danube-client-close-resub-"));
    const proxy = await relay(t);
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
    const metricsUrl = broker.metricsUrl!;
    const answered = async () =>
      sum(await scrape(metricsUrl), "danube_broker_rpc_total", { service: "consumer", method: "subscribe" });
    const deadline = Date.now() + 20_000;
    while ((await answered()) === 0) {
      assert.ok(Date.now() < deadline, "the consumer never subscribed again");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // The broker registered the consumer; its answer is still in the relay.
    await consumer.close();
    proxy.state.delayMs = 0;

    const other = createClient({ serviceUrl: broker.url, transport });
    t.after(() => other.close());
    // Another name on the Exclusive subscription: refused while "a" still counts as active.
    const second = await other.subscribe({ ...options, consumerName: "b" });
    await second.close();
    unhandled.check();
  });
}
