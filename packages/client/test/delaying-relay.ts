// A TCP relay in front of a real broker (its advertised address) that delays what the broker
// sends, and the broker's Prometheus counter that tells when it answered an RPC: together they let
// a test act while an answer is on its way back to the client.
import assert from "node:assert/strict";
import net, { type AddressInfo } from "node:net";
import type { TestContext } from "node:test";
import { scrape, sum } from "../../broker/test/prom-text.ts";
import { type ClientOptions, createClient } from "../src/index.ts";

/**
 * A running relay; set `state.target` to the broker's port, `state.delayMs` to hold its answers.
 * `state.held` counts the chunks the broker sent that the relay still holds, `state.released`
 * those it has passed on since.
 */
export interface DelayingRelay {
  /** host:port to connect to (and for the broker to advertise). */
  address: string;
  state: { target: number; delayMs: number; held: number; released: number };
}

/** Forwards TCP to `state.target` port; what the broker sends is held `delayMs` (order kept). */
export async function delayingRelay(t: TestContext): Promise<DelayingRelay> {
  const state = { target: 0, delayMs: 0, held: 0, released: 0 };
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
      while (held.length > 0 && held[0]!.due <= Date.now()) {
        client.write(held.shift()!.chunk);
        state.held--;
        state.released++;
      }
      if (held.length > 0) timer = setTimeout(flush, held[0]!.due - Date.now());
    };
    upstream.on("data", (chunk: Buffer) => {
      held.push({ due: Date.now() + state.delayMs, chunk });
      state.held++;
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

/** Waits (up to 20 s) until the broker at `metricsUrl` answered `count` consumer Subscribe calls. */
export function subscribesAnswered(metricsUrl: string, count: number): Promise<void> {
  return rpcsAnswered(metricsUrl, { service: "consumer", method: "subscribe" }, count);
}

/** Waits (up to 20 s) until the broker at `metricsUrl` answered `count` CreateProducer calls. */
export function createProducersAnswered(metricsUrl: string, count: number): Promise<void> {
  return rpcsAnswered(metricsUrl, { service: "producer", method: "create_producer" }, count);
}

async function rpcsAnswered(
  metricsUrl: string,
  rpc: { service: string; method: string },
  count: number,
): Promise<void> {
  const answered = async () => sum(await scrape(metricsUrl), "danube_broker_rpc_total", rpc);
  const deadline = Date.now() + 20_000;
  while ((await answered()) < count) {
    assert.ok(Date.now() < deadline, `the broker did not answer ${count} ${rpc.method} calls`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Stops delaying, then subscribes another consumer name ("b") to the Exclusive subscription from
 * a new client on `url`: the broker refuses it while the first consumer still counts as active.
 */
export async function subscribeOtherExclusive(
  t: TestContext,
  relay: DelayingRelay,
  url: string,
  transport: ClientOptions["transport"],
  subscription: { topic: string; subscription: string },
): Promise<void> {
  relay.state.delayMs = 0;
  const other = createClient({ serviceUrl: url, transport });
  t.after(() => other.close());
  const second = await other.subscribe({ ...subscription, consumerName: "b", subscriptionType: "Exclusive" });
  await second.close();
}
