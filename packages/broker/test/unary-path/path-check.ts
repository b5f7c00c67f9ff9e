// The check behind the unary-path wrappers. When DANUBE_TEST_TRANSPORT is "unary", every broker
// the shared test helpers start serves Prometheus metrics, and before it closes it must have seen
// no publish or consume stream opened (danube_broker_rpc_total counts each stream at its open),
// so a wrapper whose clients silently took the streams fails instead of passing unnoticed.
import assert from "node:assert/strict";
import { type BrokerOptions, type RunningBroker, startBroker } from "../../src/index.ts";
import { scrape, sum } from "../prom-text.ts";

/**
 * The client transport of the e2e tests: DANUBE_TEST_TRANSPORT, set by the files under
 * test/unary-path/ (broker and client) to run suites again over upstream's unary protocol.
 */
export const testTransport: "auto" | "stream" | "unary" =
  process.env.DANUBE_TEST_TRANSPORT === "unary" || process.env.DANUBE_TEST_TRANSPORT === "stream"
    ? process.env.DANUBE_TEST_TRANSPORT
    : "auto";

/** Whether this process runs the e2e tests on upstream's unary path. */
export const unaryPathChecked = testTransport === "unary";

/**
 * `startBroker(options)`. When the check is on, the broker also serves Prometheus metrics (on a
 * free port, unless `options` set them), and its close() first checks that it saw no stream
 * opened, whoever closes it (the test, a restart, the teardown).
 */
export async function startPathChecked(options: BrokerOptions): Promise<RunningBroker> {
  if (!unaryPathChecked) return startBroker(options);
  const broker = await startBroker({ prometheus: { host: "127.0.0.1", port: 0 }, ...options });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= assertUnaryPath(broker).finally(() => broker.close());
    return closing;
  };
  return { ...broker, close, [Symbol.asyncDispose]: close };
}

/** Fails if `broker` saw a publish or consume stream opened. */
async function assertUnaryPath(broker: RunningBroker): Promise<void> {
  assert.ok(broker.metricsUrl, "unary-path check: the broker serves no metrics");
  const e = await scrape(broker.metricsUrl);
  const opened = {
    publishStreams: sum(e, "danube_broker_rpc_total", { service: "publish_stream" }),
    consumeStreams: sum(e, "danube_broker_rpc_total", { service: "consume_stream" }),
  };
  assert.deepEqual(
    opened,
    { publishStreams: 0, consumeStreams: 0 },
    "DANUBE_TEST_TRANSPORT=unary, yet the broker saw streams opened: the test ran on the danube-ts streams",
  );
}
