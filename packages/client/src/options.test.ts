import assert from "node:assert/strict";
import { test } from "node:test";
import { DanubeError, ErrorCode } from "./errors.ts";
import {
  parseServiceUrl,
  resolveClientOptions,
  resolveProducerOptions,
  resolveSubscribeOptions,
  validateNackOptions,
  validateSendOptions,
  validateTopic,
} from "./options.ts";

function invalid(fn: () => unknown, mentions: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DanubeError, String(e));
    assert.equal(e.code, ErrorCode.INVALID_ARGUMENT);
    assert.equal(e.retryable, false);
    assert.match(e.message, mentions);
    return true;
  });
}

test("client defaults", () => {
  const o = resolveClientOptions({ serviceUrl: "http://127.0.0.1:6650" });
  assert.deepEqual(o, {
    serviceUrl: "http://127.0.0.1:6650",
    serviceTarget: "127.0.0.1:6650",
    requestTimeoutMs: 30_000,
    retry: { maxRetries: undefined, baseDelayMs: 200, maxDelayMs: 5000 },
    adminUrl: undefined,
    healthCheckIntervalMs: 5000,
    maxMessageBytes: 4 * 1024 * 1024 - 1024,
    transport: "auto",
    security: { tls: undefined, token: undefined, tokenSupplier: undefined },
    adminSecurity: undefined,
    observability: { metrics: undefined, logger: undefined },
  });
  assert.equal(resolveClientOptions({ serviceUrl: "h:1", retry: { maxRetries: 0 } }).retry.maxRetries, 0);
  assert.equal(resolveClientOptions({ serviceUrl: "h:1", adminUrl: "h:2" }).adminUrl, "http://h:2");
  invalid(() => resolveClientOptions({ serviceUrl: "h:1", adminUrl: "ftp://h:2" }), /adminUrl/);
  invalid(
    () => resolveClientOptions({ serviceUrl: "h:1", healthCheckIntervalMs: 0 }),
    /healthCheckIntervalMs/,
  );
  invalid(() => resolveClientOptions({ serviceUrl: "h:1", maxMessageBytes: 0 }), /maxMessageBytes/);
  assert.equal(resolveClientOptions({ serviceUrl: "h:1", transport: "unary" }).transport, "unary");
  invalid(() => resolveClientOptions({ serviceUrl: "h:1", transport: "fast" as "auto" }), /transport/);
});

test("service URLs with and without scheme", () => {
  assert.deepEqual(parseServiceUrl("127.0.0.1:6650"), {
    url: "http://127.0.0.1:6650",
    target: "127.0.0.1:6650",
    scheme: undefined,
  });
  assert.deepEqual(parseServiceUrl("http://broker.example:6650/"), {
    url: "http://broker.example:6650",
    target: "broker.example:6650",
    scheme: "http",
  });
  assert.deepEqual(parseServiceUrl("HTTPS://broker.example:443"), {
    url: "https://broker.example:443",
    target: "broker.example:443",
    scheme: "https",
  });
  assert.deepEqual(parseServiceUrl("http://[::1]:6650"), {
    url: "http://[::1]:6650",
    target: "[::1]:6650",
    scheme: "http",
  });
  invalid(() => parseServiceUrl(""), /serviceUrl/);
  invalid(() => parseServiceUrl("grpc://h:1"), /scheme/);
  invalid(() => parseServiceUrl("http://h:1/path"), /host:port/);
});

test("client option validation names the option", () => {
  invalid(() => resolveClientOptions({ serviceUrl: "h:1", requestTimeoutMs: 0 }), /requestTimeoutMs/);
  invalid(() => resolveClientOptions({ serviceUrl: "h:1", retry: { maxRetries: -1 } }), /retry\.maxRetries/);
  invalid(
    () => resolveClientOptions({ serviceUrl: "h:1", retry: { baseDelayMs: 1.5 } }),
    /retry\.baseDelayMs/,
  );
});

test("topic names", () => {
  for (const ok of ["/default/orders", "/ns_1/t-2", "/a/b", "/défaut/commandes"])
    assert.equal(validateTopic(ok), ok);
  for (const bad of [
    "",
    "default/orders",
    "/default",
    "/default/",
    "//t",
    "/a/b/c",
    "/a/b.c",
    "/a/b c",
    "/a/b*",
  ]) {
    invalid(() => validateTopic(bad), /^topic /);
  }
});

test("producer options: defaults and validation", () => {
  assert.deepEqual(resolveProducerOptions({ topic: "/d/t", name: "p" }), {
    topic: "/d/t",
    name: "p",
    partitions: undefined,
    dispatchStrategy: "NonReliable",
    accessMode: "Shared",
    schema: undefined,
    allowReorder: false,
    maxPendingSends: 10_000,
    onFull: "wait",
  });
  assert.equal(resolveProducerOptions({ topic: "/d/t", name: "p", allowReorder: true }).allowReorder, true);
  invalid(
    () => resolveProducerOptions({ topic: "/d/t", name: "p", allowReorder: "yes" as unknown as boolean }),
    /allowReorder/,
  );
  assert.equal(resolveProducerOptions({ topic: "/d/t", name: "p", partitions: 3 }).partitions, 3);
  invalid(
    () => resolveProducerOptions({ topic: "/d/t", name: "p", partitions: 0 }),
    /^partitions must be >= 1/,
  );
  invalid(
    () => resolveProducerOptions({ topic: "/d/t", name: "p", partitions: -2 }),
    /^partitions must be >= 1/,
  );
  invalid(() => resolveProducerOptions({ topic: "/d/t", name: "p", partitions: 1.5 }), /^partitions/);
  invalid(() => resolveProducerOptions({ topic: "/d/t", name: "" }), /^name/);
  invalid(() => resolveProducerOptions({ topic: "bad", name: "p" }), /^topic/);
  invalid(
    () => resolveProducerOptions({ topic: "/d/t", name: "p", dispatchStrategy: "Sometimes" as "Reliable" }),
    /^dispatchStrategy/,
  );
  invalid(
    () => resolveProducerOptions({ topic: "/d/t", name: "p", accessMode: "Solo" as "Exclusive" }),
    /^accessMode/,
  );
  assert.equal(
    resolveProducerOptions({ topic: "/d/t", name: "p", accessMode: "Exclusive" }).accessMode,
    "Exclusive",
  );
  invalid(() => resolveProducerOptions({ topic: "/d/t", name: "p", timeoutMs: -5 }), /^timeoutMs/);
  invalid(() => resolveProducerOptions({ topic: "/d/t", name: "p", signal: {} as AbortSignal }), /^signal/);
});

test("subscribe options: defaults and validation", () => {
  assert.deepEqual(resolveSubscribeOptions({ topic: "/d/t", subscription: "s", consumerName: "c" }), {
    topic: "/d/t",
    subscription: "s",
    consumerName: "c",
    subscriptionType: "Shared",
    keyFilters: [],
    receiveQueueSize: 1000,
    receiveQueueBytes: 16 * 1024 * 1024,
    serde: undefined,
  });
  invalid(
    () => resolveSubscribeOptions({ topic: "/d/t", subscription: "", consumerName: "c" }),
    /^subscription/,
  );
  invalid(
    () => resolveSubscribeOptions({ topic: "/d/t", subscription: "s", consumerName: " " }),
    /^consumerName/,
  );
  invalid(
    () =>
      resolveSubscribeOptions({
        topic: "/d/t",
        subscription: "s",
        consumerName: "c",
        subscriptionType: "Broadcast" as "Shared",
      }),
    /^subscriptionType/,
  );
  invalid(
    () => resolveSubscribeOptions({ topic: "/d/t", subscription: "s", consumerName: "c", keyFilters: [""] }),
    /^keyFilters/,
  );
  invalid(
    () =>
      resolveSubscribeOptions({ topic: "/d/t", subscription: "s", consumerName: "c", receiveQueueSize: 0 }),
    /^receiveQueueSize/,
  );
  invalid(
    () =>
      resolveSubscribeOptions({
        topic: "/d/t",
        subscription: "s",
        consumerName: "c",
        receiveQueueBytes: 0.5,
      }),
    /^receiveQueueBytes/,
  );
});

test("send and nack options", () => {
  validateSendOptions({ attributes: { a: "1" }, key: "k", timeoutMs: 5 });
  invalid(() => validateSendOptions({ attributes: { a: 1 as unknown as string } }), /^attributes\.a/);
  invalid(() => validateSendOptions({ key: 5 as unknown as string }), /^key/);
  validateNackOptions({ delayMs: 0, reason: "r" });
  invalid(() => validateNackOptions({ delayMs: -1 }), /^delayMs/);
});
