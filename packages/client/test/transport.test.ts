// The transport on its own: option rules, TLS material, and the token interceptor against a small
// TLS gRPC server that checks `authorization` like a Danube broker (the e2e tests use the broker).
import assert from "node:assert/strict";
import { test } from "node:test";
import { danube } from "@danube-ts/protocol";
import { type handleUnaryCall, Metadata, Server, ServerCredentials, status } from "@grpc/grpc-js";
import { createCallContext } from "../src/call-context.ts";
import { DanubeError, ErrorCode } from "../src/index.ts";
import { resolveClientOptions, resolveConnectionOptions } from "../src/options.ts";
import { connectSchemaRegistry } from "../src/schema/index.ts";
import { channelOptions, Transport } from "../src/transport/channel.ts";
import { ConnectionPool } from "../src/transport/connection-pool.ts";
import { resolveSecurity } from "../src/transport/security.ts";
import { unaryCall } from "../src/transport/unary.ts";
import { testPki } from "./fixtures/pki.ts";

function invalid(fn: () => unknown, mentions: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DanubeError, String(e));
    assert.equal(e.code, ErrorCode.INVALID_ARGUMENT);
    assert.match(e.message, mentions);
    return true;
  });
}

test("TLS follows the URL and the options; plaintext never carries TLS material", () => {
  const pki = testPki();
  // https:// without tls: TLS with the system roots.
  const https = resolveClientOptions({ serviceUrl: "https://broker.example:6650" });
  assert.deepEqual(https.security.tls, {
    ca: undefined,
    cert: undefined,
    key: undefined,
    serverName: undefined,
  });
  assert.equal(https.serviceUrl, "https://broker.example:6650");
  // A URL without scheme is TLS when tls or a token is given, and is then carried as https://.
  const bare = resolveClientOptions({ serviceUrl: "127.0.0.1:6650", token: "t" });
  assert.equal(bare.serviceUrl, "https://127.0.0.1:6650");
  assert.ok(bare.security.tls);
  assert.equal(resolveClientOptions({ serviceUrl: "127.0.0.1:6650" }).security.tls, undefined);
  // PEM from paths and from Buffers.
  const mtls = resolveClientOptions({
    serviceUrl: "https://127.0.0.1:1",
    tls: { ca: pki.ca.file, cert: pki.clientCert.pem, key: pki.clientKey.file },
  });
  assert.deepEqual(mtls.security.tls?.ca, pki.ca.pem);
  assert.deepEqual(mtls.security.tls?.cert, pki.clientCert.pem);
  assert.deepEqual(mtls.security.tls?.key, pki.clientKey.pem);
  // Configuration errors, each naming the option.
  invalid(
    () => resolveClientOptions({ serviceUrl: "http://h:1", tls: { ca: pki.ca.file } }),
    /^tls .*plaintext/,
  );
  invalid(() => resolveClientOptions({ serviceUrl: "http://h:1", token: "t" }), /^token .*plaintext/);
  invalid(
    () => resolveClientOptions({ serviceUrl: "http://h:1", tokenSupplier: () => "t" }),
    /^tokenSupplier .*plaintext/,
  );
  invalid(
    () => resolveClientOptions({ serviceUrl: "https://h:1", tls: { ca: "/nonexistent/ca.pem" } }),
    /tls.ca cannot be read/,
  );
  invalid(
    () => resolveClientOptions({ serviceUrl: "https://h:1", tls: { ca: Buffer.from("nope") } }),
    /tls.ca is not PEM/,
  );
  invalid(
    () => resolveClientOptions({ serviceUrl: "https://h:1", tls: { cert: pki.clientCert.file } }),
    /tls.key is required/,
  );
  invalid(() => resolveClientOptions({ serviceUrl: "https://h:1", token: "" }), /^token /);
  invalid(() => resolveClientOptions({ serviceUrl: "https://h:1", token: "a\nb" }), /^token /);
  invalid(
    () => resolveClientOptions({ serviceUrl: "https://h:1", tokenSupplier: "x" as unknown as () => string }),
    /^tokenSupplier /,
  );
  // The admin port of a broker without admin_tls is plaintext, and upstream sends the token there.
  const withAdmin = resolveClientOptions({ serviceUrl: "https://h:1", adminUrl: "http://h:2", token: "t" });
  assert.equal(withAdmin.adminSecurity?.tls, undefined);
  assert.equal(withAdmin.adminSecurity?.token, "t");
  assert.ok(resolveSecurity({ token: "t" }, "http", "http://h:2", true));
  // TLS on the client port, a plaintext admin port: the tls material is for the client port only.
  const mixed = resolveClientOptions({
    serviceUrl: "https://h:1",
    adminUrl: "http://h:2",
    tls: { ca: pki.ca.file },
    token: "t",
  });
  assert.equal(mixed.adminSecurity?.tls, undefined);
  assert.deepEqual(mixed.security.tls?.ca, pki.ca.pem);
  // A standalone admin client asked for tls on an http:// URL is a configuration error.
  invalid(
    () => resolveConnectionOptions({ tls: { ca: pki.ca.file } }, "http://h:2", "adminUrl", true),
    /^tls /,
  );
});

test("standalone connections resolve like the client (retries bounded by the deadline unless capped)", () => {
  const r = resolveConnectionOptions(
    { retry: { maxRetries: undefined, baseDelayMs: 10 } },
    "https://h:1",
    "serviceUrl",
    false,
  );
  assert.equal(r.retry.maxRetries, undefined);
  assert.equal(r.retry.baseDelayMs, 10);
  assert.equal(r.retry.maxDelayMs, 5000);
  assert.equal(
    resolveConnectionOptions({ retry: { maxRetries: 3 } }, "https://h:1", "serviceUrl", false).retry
      .maxRetries,
    3,
  );
  assert.equal(r.url, "https://h:1");
  invalid(
    () => resolveConnectionOptions({ requestTimeoutMs: -1 }, "h:1", "serviceUrl", false),
    /requestTimeoutMs/,
  );
  invalid(
    () => resolveConnectionOptions({ retry: { maxRetries: 1.5 } }, "h:1", "serviceUrl", false),
    /maxRetries/,
  );
});

test("channel settings: reconnect backoff capped at 2 s, keepalive, message size", () => {
  assert.equal(channelOptions["grpc.max_reconnect_backoff_ms"], 2_000);
  assert.equal(channelOptions["grpc.initial_reconnect_backoff_ms"], 250);
  assert.equal(channelOptions["grpc.keepalive_time_ms"], 30_000);
  assert.equal(channelOptions["grpc.max_receive_message_length"], 64 * 1024 * 1024);
});

interface TokenServer {
  target: string;
  /** The authorization header of every call, in order. */
  seen: (string | undefined)[];
  close(): void;
}

/** A TLS HealthCheck server that accepts only `Bearer <token>` for tokens in `valid`. */
async function tokenServer(valid: Set<string>): Promise<TokenServer> {
  const pki = testPki();
  const server = new Server();
  const seen: (string | undefined)[] = [];
  const check = (metadata: Metadata): boolean => {
    const header = metadata.get("authorization")[0]?.toString();
    seen.push(header);
    return header?.startsWith("Bearer ") === true && valid.has(header.slice(7));
  };
  const healthCheck: handleUnaryCall<danube.HealthCheckRequest, danube.HealthCheckResponse> = (
    call,
    callback,
  ) => {
    if (!check(call.metadata)) {
      callback({ code: status.UNAUTHENTICATED, details: "invalid token" });
      return;
    }
    callback(null, { status: danube.HealthCheckResponse_ClientStatus.OK });
  };
  server.addService(danube.HealthCheckService, { healthCheck });
  const credentials = ServerCredentials.createSsl(null, [
    { cert_chain: pki.serverCert.pem, private_key: pki.serverKey.pem },
  ]);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { target: `127.0.0.1:${port}`, seen, close: () => server.forceShutdown() };
}

async function healthCheck(
  transport: Transport,
  target: string,
  signal?: AbortSignal,
): Promise<danube.HealthCheckResponse> {
  const channel = transport.openChannel(target);
  const stub = transport.stub(danube.HealthCheckClient, target, channel);
  const ctx = createCallContext("healthCheck", { signal }, 5_000, undefined);
  try {
    const request = { requestId: 1n, client: danube.HealthCheckRequest_ClientType.Producer, id: 1n };
    return await unaryCall<danube.HealthCheckResponse>(ctx, "HealthCheck", (options, callback) =>
      stub.healthCheck(request, new Metadata(), options, callback),
    );
  } finally {
    channel.close();
  }
}

const tls = () => ({ ca: testPki().ca.pem, cert: undefined, key: undefined, serverName: undefined });

test("the token goes out as `authorization: Bearer <token>`; a refused token is re-fetched once and the call retried once", async (t) => {
  const valid = new Set(["good-1"]);
  const server = await tokenServer(valid);
  t.after(() => server.close());
  const issued: string[] = [];
  const transport = new Transport({
    tls: tls(),
    token: undefined,
    tokenSupplier: () => {
      const token = issued.length === 0 ? "stale" : `good-${issued.length}`;
      issued.push(token);
      return token;
    },
  });
  // First call: "stale" refused, the supplier is asked again, the retry with "good-1" succeeds.
  assert.equal(
    (await healthCheck(transport, server.target)).status,
    danube.HealthCheckResponse_ClientStatus.OK,
  );
  assert.deepEqual(server.seen, ["Bearer stale", "Bearer good-1"]);
  assert.deepEqual(issued, ["stale", "good-1"]);
  // The cached token serves the next call without asking the supplier.
  await healthCheck(transport, server.target);
  assert.deepEqual(issued, ["stale", "good-1"]);
  // Revoked: one refresh and one retry, then UNAUTHENTICATED surfaces (no loop).
  valid.clear();
  await assert.rejects(healthCheck(transport, server.target), (e: unknown) => {
    assert.ok(e instanceof DanubeError);
    assert.equal(e.code, ErrorCode.UNAUTHENTICATED);
    assert.equal(e.retryable, false);
    return true;
  });
  assert.deepEqual(issued, ["stale", "good-1", "good-2"]);
  assert.equal(server.seen.length, 5);
});

test("a failing token supplier surfaces as UNAUTHENTICATED with its message; nothing reaches the server", async (t) => {
  const server = await tokenServer(new Set());
  t.after(() => server.close());
  let calls = 0;
  const transport = new Transport({
    tls: tls(),
    token: undefined,
    tokenSupplier: async () => {
      calls++;
      throw new Error("identity provider unreachable");
    },
  });
  await assert.rejects(healthCheck(transport, server.target), (e: unknown) => {
    assert.ok(e instanceof DanubeError);
    assert.equal(e.code, ErrorCode.UNAUTHENTICATED, e.message);
    assert.match(e.message, /token supplier failed: identity provider unreachable/);
    return true;
  });
  assert.equal(calls, 2, "called, then called once more after UNAUTHENTICATED");
  assert.equal(server.seen.length, 0);
});

test("a plaintext client never dials an https:// broker a lookup named", () => {
  const pool = new ConnectionPool();
  assertRefusesTls(() =>
    pool.get({ brokerUrl: "https://127.0.0.1:1", connectUrl: "https://127.0.0.1:1", proxy: false }),
  );
  // A TLS client dials http:// names over TLS too: configuration decides, never the scheme.
  const secure = new ConnectionPool(
    new Transport({ tls: tls(), token: undefined, tokenSupplier: undefined }),
  );
  assert.equal(
    secure.get({ brokerUrl: "http://127.0.0.1:1", connectUrl: "http://127.0.0.1:1", proxy: false }).target,
    "127.0.0.1:1",
  );
  secure.close();
  pool.close();
});

function assertRefusesTls(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DanubeError);
    assert.equal(e.code, ErrorCode.FAILED_PRECONDITION);
    assert.match(e.message, /serves TLS but this client is plaintext/);
    return true;
  });
}

test("connectSchemaRegistry: retries end at the deadline by default, or at maxRetries when set", async (t) => {
  // A port nothing listens on: every attempt fails at once with UNAVAILABLE.
  const probe = new Server();
  const port = await new Promise<number>((resolve, reject) =>
    probe.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  probe.forceShutdown();
  const serviceUrl = `http://127.0.0.1:${port}`;
  const byDeadline = connectSchemaRegistry({
    serviceUrl,
    requestTimeoutMs: 1_500,
    retry: { maxRetries: undefined, baseDelayMs: 1, maxDelayMs: 2 },
  });
  t.after(() => byDeadline.close());
  let started = Date.now();
  await assert.rejects(byDeadline.listSubjects(), (e: unknown) => {
    assert.ok(e instanceof DanubeError);
    assert.equal(e.code, ErrorCode.DEADLINE_EXCEEDED, e.message);
    return true;
  });
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 1_000 && elapsed < 6_000, `gave up after ${elapsed} ms`);

  const capped = connectSchemaRegistry({
    serviceUrl,
    requestTimeoutMs: 30_000,
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 },
  });
  t.after(() => capped.close());
  started = Date.now();
  await assert.rejects(capped.listSubjects(), (e: unknown) => {
    assert.ok(e instanceof DanubeError);
    assert.equal(e.code, ErrorCode.UNAVAILABLE, e.message);
    return true;
  });
  assert.ok(Date.now() - started < 10_000, `gave up after ${Date.now() - started} ms`);
  invalid(() => connectSchemaRegistry({ serviceUrl: "h:1", requestTimeoutMs: 0 }), /requestTimeoutMs/);
});

test("aborting a call while its retry waits for a new token cancels it at once", async (t) => {
  const server = await tokenServer(new Set(["good"]));
  t.after(() => server.close());
  let calls = 0;
  const transport = new Transport({
    tls: tls(),
    token: undefined,
    tokenSupplier: async () => {
      calls++;
      if (calls === 1) return "stale";
      await new Promise((r) => setTimeout(r, 1_500));
      return "good";
    },
  });
  const abort = new AbortController();
  const started = Date.now();
  setTimeout(() => abort.abort(new Error("user gave up")), 300);
  await assert.rejects(healthCheck(transport, server.target, abort.signal), (e: unknown) => {
    assert.ok(e instanceof DanubeError);
    assert.equal(e.code, ErrorCode.CANCELLED, e.message);
    return true;
  });
  assert.ok(Date.now() - started < 1_200, `cancelled after ${Date.now() - started} ms`);
  assert.deepEqual(server.seen, ["Bearer stale"]);
});

test("tls.serverName replaces the dialled host in the certificate check", async (t) => {
  const server = await tokenServer(new Set(["good"]));
  t.after(() => server.close());
  const transport = (serverName: string | undefined) =>
    new Transport({ tls: { ...tls(), serverName }, token: "good", tokenSupplier: undefined });
  assert.equal(
    (await healthCheck(transport("localhost"), server.target)).status,
    danube.HealthCheckResponse_ClientStatus.OK,
  );
  await assert.rejects(healthCheck(transport("other.example"), server.target), (e: unknown) => {
    assert.ok(e instanceof DanubeError);
    assert.equal(e.code, ErrorCode.UNAVAILABLE, e.message);
    return true;
  });
});

test("a refused static token is not retried (the same token would be refused again)", async (t) => {
  const server = await tokenServer(new Set());
  t.after(() => server.close());
  const transport = new Transport({ tls: tls(), token: "revoked", tokenSupplier: undefined });
  await assert.rejects(healthCheck(transport, server.target), (e: unknown) => {
    assert.ok(e instanceof DanubeError);
    assert.equal(e.code, ErrorCode.UNAUTHENTICATED, e.message);
    return true;
  });
  assert.deepEqual(server.seen, ["Bearer revoked"]);
});
