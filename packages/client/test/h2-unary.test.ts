// The raw node:http2 unary client (transport/h2-unary.ts) against scripted HTTP/2 servers: status
// mapping, grpc-timeout and cancellation, the bearer token and its refresh, and the fall back to
// grpc-js when the server is not a gRPC server.
import assert from "node:assert/strict";
import http2 from "node:http2";
import net, { type AddressInfo } from "node:net";
import { test } from "node:test";
import tls from "node:tls";
import type { danube } from "@danube-ts/protocol";
import { OwnedContext } from "../src/call-context.ts";
import { DeadlineQueue } from "../src/deadlines.ts";
import { type DanubeError, ErrorCode } from "../src/index.ts";
import { Transport } from "../src/transport/channel.ts";
import { ConnectionPool } from "../src/transport/connection-pool.ts";
import { encodeFrame, FrameDecoder } from "../src/transport/grpc-framing.ts";
import { H2UnaryClient } from "../src/transport/h2-unary.ts";
import { sendMessageRpc } from "../src/transport/hot-calls.ts";
import { TokenSource } from "../src/transport/tokens.ts";
import { startFakeBroker } from "./fake-broker.ts";
import { testPki } from "./fixtures/pki.ts";

type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, body: Buffer[]) => void;

async function h2Server(t: import("node:test").TestContext, handler: Handler) {
  const server = http2.createServer();
  const seen: http2.IncomingHttpHeaders[] = [];
  server.on("stream", (stream, headers) => {
    seen.push(headers);
    const decoder = new FrameDecoder(1 << 20);
    stream.on("data", (chunk: Buffer) => decoder.push(chunk));
    stream.on("end", () => handler(stream, headers, decoder.messages));
    stream.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  t.after(() => {
    for (const session of sessions) session.destroy();
    server.close();
  });
  return { target: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const deadlines = new DeadlineQueue();
const ctx = (timeoutMs = 5000) => {
  const owned = new OwnedContext("op", undefined, undefined, Date.now() + timeoutMs, deadlines);
  return { ctx: owned, release: () => owned.release() };
};
const ok = (stream: http2.ServerHttp2Stream, body: Buffer) => {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.end(encodeFrame(body));
};

test("a call sends one framed message with gRPC headers and resolves with the response", async (t) => {
  const server = await h2Server(t, (stream, _headers, body) =>
    ok(stream, Buffer.concat([Buffer.from("re:"), body[0]!])),
  );
  const client = new H2UnaryClient({ target: server.target, tls: undefined, tokens: undefined });
  t.after(() => client.close());
  const call = ctx(4000);
  const response = await client.call("/svc/M", Buffer.from("ping"), { "x-extra": "1" }, call.ctx);
  call.release();
  assert.equal(response.toString(), "re:ping");
  const headers = server.seen[0]!;
  assert.equal(headers[":method"], "POST");
  assert.equal(headers[":path"], "/svc/M");
  assert.equal(headers["content-type"], "application/grpc");
  assert.equal(headers.te, "trailers");
  assert.equal(headers["x-extra"], "1");
  assert.match(String(headers["grpc-timeout"]), /^(39\d\d|4000)m$/);
  assert.equal(headers.authorization, undefined);
});

test("error statuses (trailers-only, percent-encoded) map like grpc-js", async (t) => {
  const server = await h2Server(t, (stream) =>
    stream.respond(
      {
        ":status": 200,
        "content-type": "application/grpc",
        "grpc-status": "5",
        "grpc-message": "no%20such topic",
      },
      { endStream: true },
    ),
  );
  const client = new H2UnaryClient({ target: server.target, tls: undefined, tokens: undefined });
  t.after(() => client.close());
  const call = ctx();
  await assert.rejects(client.call("/svc/M", Buffer.from("x"), {}, call.ctx), (e: DanubeError) => {
    assert.equal(e.code, ErrorCode.NOT_FOUND);
    assert.equal(e.grpcCode, 5);
    assert.match(e.message, /op \(M\): no such topic/);
    return true;
  });
  call.release();
  assert.equal(client.usable, true);
});

test("the owner's deadline cancels the stream (DEADLINE_EXCEEDED); a lost connection is UNAVAILABLE", async (t) => {
  let reset: number | undefined;
  const server = await h2Server(t, (stream) => {
    stream.on("close", () => {
      reset = stream.rstCode;
    });
  });
  const client = new H2UnaryClient({ target: server.target, tls: undefined, tokens: undefined });
  t.after(() => client.close());
  const call = ctx(150);
  await assert.rejects(client.call("/svc/M", Buffer.from("x"), {}, call.ctx), {
    code: ErrorCode.DEADLINE_EXCEEDED,
  });
  call.release();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(reset, http2.constants.NGHTTP2_CANCEL);
  const refused = new H2UnaryClient({ target: "127.0.0.1:1", tls: undefined, tokens: undefined });
  const second = ctx();
  await assert.rejects(refused.call("/svc/M", Buffer.from("x"), {}, second.ctx), (e: DanubeError) => {
    assert.equal(e.code, ErrorCode.UNAVAILABLE);
    assert.equal(e.retryable, true);
    return true;
  });
  second.release();
  assert.equal(refused.usable, true, "a broker that is down is not a reason to leave the raw path");
  refused.close();
});

test("the bearer token is sent; UNAUTHENTICATED makes a supplier's token be fetched again and the call sent once more", async (t) => {
  const server = await h2Server(t, (stream, headers) => {
    if (headers.authorization === "Bearer t2") {
      ok(stream, Buffer.from("in"));
      return;
    }
    stream.respond(
      {
        ":status": 200,
        "content-type": "application/grpc",
        "grpc-status": "16",
        "grpc-message": "bad token",
      },
      { endStream: true },
    );
  });
  let n = 0;
  const tokens = new TokenSource(() => `t${++n}`);
  const client = new H2UnaryClient({ target: server.target, tls: undefined, tokens });
  t.after(() => client.close());
  const call = ctx();
  assert.equal((await client.call("/svc/M", Buffer.from("x"), {}, call.ctx)).toString(), "in");
  call.release();
  assert.deepEqual(
    server.seen.map((h) => h.authorization),
    ["Bearer t1", "Bearer t2"],
  );
  const fixed = new H2UnaryClient({ target: server.target, tls: undefined, tokens: TokenSource.fixed("t9") });
  t.after(() => fixed.close());
  const again = ctx();
  await assert.rejects(fixed.call("/svc/M", Buffer.from("x"), {}, again.ctx), {
    code: ErrorCode.UNAUTHENTICATED,
  });
  again.release();
  assert.equal(server.seen.length, 3, "a static token is not retried");
});

test("TLS: the secure context is made once per client, not per reconnect; certificates are still verified", async (t) => {
  const pki = testPki();
  const server = http2.createSecureServer({
    cert: pki.serverCert.pem,
    key: pki.serverKey.pem,
    ca: pki.ca.pem,
    requestCert: true, // mutual TLS: the client's identity comes from the same context
    rejectUnauthorized: true,
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  const seen: http2.IncomingHttpHeaders[] = [];
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  server.on("stream", (stream, headers) => {
    seen.push(headers);
    stream.on("data", () => {});
    stream.on("end", () => ok(stream, Buffer.from("tls")));
  });
  let handshakes = 0;
  server.on("secureConnection", () => handshakes++);
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    for (const session of sessions) session.destroy();
    server.close();
  });
  const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Node's TLS calls tls.createSecureContext on every connect that brings no secureContext.
  let contexts = 0;
  const original = tls.createSecureContext;
  tls.createSecureContext = (options) => {
    contexts++;
    return original(options);
  };
  t.after(() => {
    tls.createSecureContext = original;
  });
  const material = {
    ca: pki.ca.pem,
    cert: pki.clientCert.pem,
    key: pki.clientKey.pem,
    serverName: undefined,
  };
  const client = new H2UnaryClient({ target, tls: material, tokens: TokenSource.fixed("tok") });
  t.after(() => client.close());
  const created = contexts;
  for (let i = 0; i < 3; i++) {
    const call = ctx();
    assert.equal((await client.call("/svc/M", Buffer.from("x"), {}, call.ctx)).toString(), "tls");
    call.release();
    // The broker drops the connection: the next call reconnects.
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(handshakes, 3, "each call came over a new TLS connection");
  assert.equal(contexts, created, "reconnects reuse the client's secure context");
  assert.deepEqual(
    seen.map((h) => h.authorization),
    ["Bearer tok", "Bearer tok", "Bearer tok"],
    "the token is asked for per call",
  );
  // A client trusting another CA is refused by its own certificate check.
  const wrong = new H2UnaryClient({
    target,
    tls: { ...material, ca: pki.otherCa.pem },
    tokens: undefined,
  });
  t.after(() => wrong.close());
  const call = ctx();
  await assert.rejects(wrong.call("/svc/M", Buffer.from("x"), {}, call.ctx), (e: DanubeError) => {
    assert.equal(e.code, ErrorCode.UNAVAILABLE);
    assert.match(e.message, /certificate/i);
    return true;
  });
  call.release();
  assert.equal(seen.length, 3, "nothing reached the server over an unverified connection");
});

test("a server that does not speak gRPC: the call goes out again over grpc-js, later calls stay there", async (t) => {
  const web = await h2Server(t, (stream) => {
    stream.respond({ ":status": 404, "content-type": "text/html" });
    stream.end("<h1>not here</h1>");
  });
  const broker = await startFakeBroker();
  const pool = new ConnectionPool(
    new Transport({ tls: undefined, token: undefined, tokenSupplier: undefined }),
  );
  t.after(async () => {
    pool.close();
    await broker.close();
  });
  const grpcConnection = pool.get({ brokerUrl: broker.url, connectUrl: broker.url, proxy: false });
  const raw = new H2UnaryClient({ target: web.target, tls: undefined, tokens: undefined });
  t.after(() => raw.close());
  const connection = { ...grpcConnection, h2: raw };
  const message: danube.StreamMessage = {
    requestId: 7n,
    msgId: { producerId: 1n, topicName: "/d/t", brokerAddr: broker.url, topicOffset: 0n },
    payload: Buffer.from("p"),
    publishTime: 1n,
    producerName: "p",
    subscriptionName: "",
    attributes: {},
    schemaId: undefined,
    schemaVersion: undefined,
    routingKey: undefined,
  };
  const first = ctx();
  assert.equal(await sendMessageRpc(connection, message, pool.metadata(), first.ctx), 7n);
  first.release();
  assert.equal(raw.usable, false);
  const second = ctx();
  assert.equal(
    await sendMessageRpc(connection, { ...message, requestId: 8n }, pool.metadata(), second.ctx),
    8n,
  );
  second.release();
  assert.equal(web.seen.length, 1, "after the first surprise the raw path is not used again");
  assert.equal(broker.count("sendMessage"), 2);
});

/** A TCP relay to `target` that can go silent: frozen, it passes no more bytes either way, and closes nothing. */
async function freezableRelay(t: import("node:test").TestContext, target: string) {
  const [host, port] = target.split(":") as [string, string];
  const sockets = new Set<net.Socket>();
  let frozen = false;
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(Number(port), host);
    for (const [from, to] of [
      [inbound, outbound],
      [outbound, inbound],
    ] as const) {
      sockets.add(from);
      from.on("data", (chunk) => {
        if (!frozen) to.write(chunk);
      });
      from.on("error", () => {});
      from.on("close", () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    relay.close();
  });
  return {
    target: `127.0.0.1:${(relay.address() as AddressInfo).port}`,
    freeze: () => {
      frozen = true;
    },
  };
}

test("keepalive: a call on a connection that went silent fails with UNAVAILABLE after the ping timeout, not at its deadline", async (t) => {
  let answer = true;
  const server = await h2Server(t, (stream) => {
    if (answer) ok(stream, Buffer.from("ok"));
    // else: never answers
  });
  const relay = await freezableRelay(t, server.target);
  const client = new H2UnaryClient({
    target: relay.target,
    tls: undefined,
    tokens: undefined,
    keepalive: { timeMs: 100, timeoutMs: 200 },
  });
  t.after(() => client.close());
  const first = ctx(20_000);
  assert.equal((await client.call("/svc/M", Buffer.from("x"), {}, first.ctx)).toString(), "ok");
  first.release();
  // A silent peer that still answers pings is alive: the call waits (here: until we end it).
  answer = false;
  const alive = ctx(20_000);
  const waiting = client.call("/svc/M", Buffer.from("x"), {}, alive.ctx);
  const settled = await Promise.race([
    waiting.then(
      () => "resolved",
      () => "rejected",
    ),
    new Promise((r) => setTimeout(() => r("pending"), 800)),
  ]);
  assert.equal(settled, "pending", "pings answered: the call is left alone");
  // Now the connection goes silent (no bytes either way, no close).
  relay.freeze();
  const started = Date.now();
  await assert.rejects(waiting, (e: DanubeError) => {
    assert.equal(e.code, ErrorCode.UNAVAILABLE);
    assert.match(e.message, /keepalive/);
    return true;
  });
  const took = Date.now() - started;
  alive.release();
  assert.ok(took < 5_000, `detected after ${took} ms (deadline 20 s)`);
  assert.equal(client.usable, true, "a dead peer is no reason to leave the raw path");
});

test("with a proxy variable grpc-js honours set, SendMessage and Ack stay on grpc-js (no raw session)", (t) => {
  const pool = new ConnectionPool(
    new Transport({ tls: undefined, token: undefined, tokenSupplier: undefined }),
  );
  const names = ["grpc_proxy", "https_proxy", "http_proxy"] as const;
  const saved = names.map((name) => process.env[name]);
  t.after(() => {
    pool.close();
    names.forEach((name, i) => {
      if (saved[i] === undefined) delete process.env[name];
      else process.env[name] = saved[i];
    });
  });
  const address = (port: number) => ({
    brokerUrl: `http://127.0.0.1:${port}`,
    connectUrl: `http://127.0.0.1:${port}`,
    proxy: false,
  });
  for (const name of names) delete process.env[name];
  assert.notEqual(pool.get(address(1)).h2, undefined, "without a proxy the raw path is used");
  names.forEach((name, i) => {
    process.env[name] = "http://127.0.0.1:9";
    assert.equal(pool.get(address(2 + i)).h2, undefined, `with ${name} it is not`);
    delete process.env[name];
  });
});
