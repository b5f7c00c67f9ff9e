// End-to-end: the client against a real broker in auth mode "tls" (TLS on both listeners, a JWT on
// every RPC, RBAC), with throwaway certificates made by openssl in a temp dir.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { type TestContext, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { AuthOptions } from "@danube-ts/broker";
import {
  type ClientOptions,
  createAdminClient,
  createClient,
  type DanubeClient,
  DanubeError,
  ErrorCode,
} from "../src/index.ts";
import { connectSchemaRegistry } from "../src/schema/index.ts";
import { signToken, testPki } from "./fixtures/pki.ts";
import { restartableBroker, take, tempBroker, uniqueTopic } from "./helpers.ts";

const secret = "client-e2e-secret";
const issuer = "danube-auth";

interface SecureEnv {
  /** `https://127.0.0.1:<port>` */
  url: string;
  adminUrl: string;
  /** A token for a super admin. */
  adminToken: string;
  client(options?: Partial<ClientOptions>): DanubeClient;
  /** Stops the broker and starts it again on the same ports and data dir. */
  restart(): Promise<void>;
}

async function secureEnv(
  t: TestContext,
  auth: Partial<AuthOptions> = {},
  adminTls = true,
): Promise<SecureEnv> {
  const pki = testPki();
  const clients: DanubeClient[] = [];
  // Registered first, so the clients close before the broker does.
  t.after(() => Promise.allSettled(clients.map((c) => c.close())));
  const broker = await restartableBroker(t, {
    adminTls,
    auth: {
      mode: "tls",
      tls: { certFile: pki.serverCert.file, keyFile: pki.serverKey.file, caFile: pki.ca.file },
      jwt: { secret, issuer, expirationSecs: 3600 },
      superAdmins: ["admin"],
      ...auth,
    },
  });
  const env: SecureEnv = {
    url: broker.url,
    adminUrl: broker.adminUrl,
    adminToken: signToken(secret, "admin", { issuer }),
    client(extra = {}) {
      const client = createClient({
        serviceUrl: env.url,
        tls: { ca: pki.ca.file },
        token: env.adminToken,
        requestTimeoutMs: 10_000,
        ...extra,
      });
      clients.push(client);
      return client;
    },
    restart: broker.restart,
  };
  return env;
}

function rejectsWith(code: ErrorCode, mentions?: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof DanubeError, String(e));
    assert.equal(e.code, code, e.message);
    if (mentions) assert.match(e.message, mentions);
    return true;
  };
}

test("over TLS with a token: lookups (https:// URLs), partitions, produce, consume, then a broker restart", async (t) => {
  const env = await secureEnv(t);
  assert.match(env.url, /^https:\/\//);
  const client = env.client();
  const topic = uniqueTopic("tls");
  // Reliable, so the message sent right after the restart waits in the log for the consumer,
  // which re-subscribes on its own schedule (a non-reliable message sent before that is dropped).
  const producer = await client.createProducer({
    topic,
    name: "p",
    partitions: 2,
    dispatchStrategy: "Reliable",
  });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  for (let i = 0; i < 10; i++) await producer.send(`m${i}`);
  const got = await take(consumer, 10);
  assert.deepEqual(
    got.map((m) => Buffer.from(m.payload).toString()).sort(),
    [...Array(10).keys()].map((i) => `m${i}`).sort(),
  );
  // Every message names its broker by the https:// URL the lookup handed out.
  assert.ok(got.every((m) => m.id.brokerAddr.startsWith("https://")));

  await env.restart();
  const restartedAt = Date.now();
  // The producer and consumer come back on the restarted broker over TLS with the same token.
  await producer.send("after-restart", { timeoutMs: 15_000 });
  const recoveredMs = Date.now() - restartedAt;
  t.diagnostic(`a send after the restart completed ${recoveredMs} ms after the broker was back`);
  const [after] = await take(consumer, 1, 15_000);
  assert.equal(Buffer.from(after!.payload).toString(), "after-restart");
  // Reconnect backoff is capped at 2 s: recovery follows within seconds, not minutes.
  assert.ok(recoveredMs < 8_000, `recovered in ${recoveredMs} ms`);
  await producer.close();
  await consumer.close();
});

test("the wrong CA, plaintext against TLS, and TLS against plaintext fail with typed errors", async (t) => {
  const env = await secureEnv(t);
  const pki = testPki();
  const quick = { requestTimeoutMs: 4_000, retry: { maxRetries: 1, baseDelayMs: 50, maxDelayMs: 100 } };
  const topic = uniqueTopic("bad-tls");
  // A CA that did not sign the broker's certificate.
  const wrongCa = env.client({ ...quick, tls: { ca: pki.otherCa.pem } });
  await assert.rejects(
    wrongCa.createProducer({ topic, name: "p" }),
    rejectsWith(ErrorCode.UNAVAILABLE, /certificate/i),
  );
  // Plaintext h2c against the TLS port.
  const plaintext = createClient({ serviceUrl: env.url.replace("https://", "http://"), ...quick });
  t.after(() => plaintext.close());
  await assert.rejects(plaintext.createProducer({ topic, name: "p" }), rejectsWith(ErrorCode.UNAVAILABLE));
  // A TLS client against a plaintext broker never falls back to plaintext.
  const plain = await tempBroker(t);
  const tlsToPlain = env.client({ ...quick, serviceUrl: plain.url.replace("http://", "https://") });
  await assert.rejects(tlsToPlain.createProducer({ topic, name: "p" }), rejectsWith(ErrorCode.UNAVAILABLE));
});

test("TLS to 127.0.0.1 sends no IP as SNI (no DEP0123 warning) and still checks the certificate's IP SAN", async (t) => {
  const env = await secureEnv(t);
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      fileURLToPath(new URL("./fixtures/tls-sni-child.ts", import.meta.url)),
      env.url,
      env.adminUrl,
      testPki().ca.file,
      env.adminToken,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  assert.equal(code, 0, `child failed:\n${stdout}\n${stderr}`);
  const { warnings, outcomes } = JSON.parse(stdout) as {
    warnings: string[];
    outcomes: Record<string, string>;
  };
  assert.deepEqual(warnings, []);
  assert.doesNotMatch(stderr, /DEP0123/);
  const { wrongIp, wrongHost, ...fine } = outcomes;
  assert.deepEqual(fine, {
    stream: "ok",
    unary: "ok",
    admin: "ok",
    ipNameUnary: "ok",
    ipNameStream: "ok",
    hostName: "ok",
  });
  assert.match(wrongIp!, /IP: 127\.0\.0\.2 is not in the cert's list/);
  assert.match(wrongHost!, /Host: wrong\.example\. is not in the cert's altnames/);
});

test("mutual TLS: a client identity is presented when given, and required when the broker asks", async (t) => {
  const env = await secureEnv(t, { requireClientCert: true });
  const pki = testPki();
  const topic = uniqueTopic("mtls");
  const withIdentity = env.client({
    tls: { ca: pki.ca.file, cert: pki.clientCert.file, key: pki.clientKey.file },
  });
  const producer = await withIdentity.createProducer({ topic, name: "p" });
  await producer.send("hello");
  const quick = { requestTimeoutMs: 4_000, retry: { maxRetries: 1, baseDelayMs: 50, maxDelayMs: 100 } };
  const without = env.client({ ...quick });
  await assert.rejects(without.createProducer({ topic, name: "q" }), rejectsWith(ErrorCode.UNAVAILABLE));
});

test("tokens: none, forged and unbound principals get typed UNAUTHENTICATED / PERMISSION_DENIED", async (t) => {
  const env = await secureEnv(t);
  const topic = uniqueTopic("authz");
  const pki = testPki();
  const noToken = env.client({ token: undefined });
  await assert.rejects(noToken.createProducer({ topic, name: "p" }), rejectsWith(ErrorCode.UNAUTHENTICATED));
  const forged = env.client({ token: signToken("not-the-secret", "admin", { issuer }) });
  await assert.rejects(forged.createProducer({ topic, name: "p" }), rejectsWith(ErrorCode.UNAUTHENTICATED));
  const nobody = env.client({ token: signToken(secret, "nobody", { issuer }), tls: { ca: pki.ca.pem } });
  await assert.rejects(nobody.createProducer({ topic, name: "p" }), (e: unknown) => {
    rejectsWith(ErrorCode.PERMISSION_DENIED)(e);
    assert.equal((e as DanubeError).retryable, false);
    return true;
  });
});

test("token supplier: refreshed before exp, asked again once after UNAUTHENTICATED, failures typed", async (t) => {
  const env = await secureEnv(t);
  const topic = uniqueTopic("supplier");
  // 1. Short-lived tokens (4 s) are replaced at half their life, with no failed call. Unary
  // sends: each call carries the current token (a publish stream is authenticated once, when it
  // opens, see docs/streaming.md).
  const issued: number[] = [];
  const refreshing = env.client({
    transport: "unary",
    token: undefined,
    tokenSupplier: async () => {
      issued.push(Date.now());
      return signToken(secret, "admin", { issuer, ttlSecs: 4 });
    },
  });
  const producer = await refreshing.createProducer({ topic, name: "p" });
  const started = Date.now();
  while (Date.now() - started < 2_600) {
    await producer.send("x");
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(issued.length >= 2, `supplier called ${issued.length} times`);
  assert.ok(issued[1]! - issued[0]! >= 1_500, "the second token was fetched near half-life, not per call");
  // 2. A token the broker refuses makes the client ask once more and retry the call.
  let calls = 0;
  const recovering = env.client({
    token: undefined,
    tokenSupplier: () => {
      calls++;
      return calls === 1 ? signToken("stale-secret", "admin", { issuer }) : env.adminToken;
    },
  });
  const second = await recovering.createProducer({ topic, name: "p2" });
  await second.send("ok");
  assert.equal(calls, 2);
  // 3. A supplier that throws: UNAUTHENTICATED with its message, nothing hangs.
  const failing = env.client({
    token: undefined,
    tokenSupplier: () => Promise.reject(new Error("token service down")),
    requestTimeoutMs: 5_000,
  });
  await assert.rejects(
    failing.createProducer({ topic, name: "p3" }),
    rejectsWith(ErrorCode.UNAUTHENTICATED, /token service down/),
  );
});

test("admin client and standalone schema registry over TLS with a token", async (t) => {
  const env = await secureEnv(t);
  const pki = testPki();
  assert.match(env.adminUrl, /^https:\/\//);
  const admin = createAdminClient({
    adminUrl: env.adminUrl,
    tls: { ca: pki.ca.file },
    token: env.adminToken,
  });
  t.after(() => admin.close());
  assert.ok((await admin.listNamespaces()).includes("default"));
  const topic = uniqueTopic("admin");
  await admin.createTopic({ name: topic, dispatchStrategy: "Reliable" });
  // The client's own admin connection (consumer.unsubscribe) shares its TLS material and token.
  const client = env.client({ adminUrl: env.adminUrl });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  await consumer.unsubscribe();
  assert.deepEqual(await admin.listSubscriptions(topic), []);
  // Without a token the admin port refuses.
  const anonymous = createAdminClient({ adminUrl: env.adminUrl, tls: { ca: pki.ca.file } });
  t.after(() => anonymous.close());
  await assert.rejects(anonymous.listNamespaces(), rejectsWith(ErrorCode.UNAUTHENTICATED));

  const registry = connectSchemaRegistry({
    serviceUrl: env.url,
    tls: { ca: pki.ca.pem },
    tokenSupplier: () => env.adminToken,
    requestTimeoutMs: 10_000,
  });
  t.after(() => registry.close());
  const schema = { type: "record", name: "User", fields: [{ name: "id", type: "long" }] };
  const registered = await registry.registerSchema({ subject: "users-tls", schemaType: "avro", schema });
  const fetched = await registry.getSchema(registered.schemaId);
  assert.equal(fetched.subject, "users-tls");
  // And through the client's registry, on its pooled TLS channel.
  const latest = await client.schema.getLatestSchema("users-tls");
  assert.equal(latest.schemaId, registered.schemaId);
});

test("a broker without admin_tls: the client's http:// adminUrl gets the token, the client port stays TLS", async (t) => {
  const env = await secureEnv(t, {}, false);
  assert.match(env.adminUrl, /^http:\/\//);
  const client = env.client({ adminUrl: env.adminUrl });
  const topic = uniqueTopic("plain-admin");
  const producer = await client.createProducer({ topic, name: "p" });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  await consumer.unsubscribe();
  await producer.close();
  const admin = createAdminClient({ adminUrl: env.adminUrl, token: env.adminToken });
  t.after(() => admin.close());
  assert.deepEqual(await admin.listSubscriptions(topic), []);
  // The plaintext admin port still requires the token, as upstream's does.
  const anonymous = createAdminClient({ adminUrl: env.adminUrl });
  t.after(() => anonymous.close());
  await assert.rejects(anonymous.listNamespaces(), rejectsWith(ErrorCode.UNAUTHENTICATED));
});

test("admin.security: roles and bindings round-trip, typed errors, and the binding takes effect", async (t) => {
  const env = await secureEnv(t);
  const pki = testPki();
  const admin = createAdminClient({
    adminUrl: env.adminUrl,
    tls: { ca: pki.ca.file },
    token: env.adminToken,
  });
  t.after(() => admin.close());
  const { security } = admin;
  const topic = uniqueTopic("rbac");
  // Before any binding, "writer" may not produce.
  const writerToken = signToken(secret, "writer", { issuer });
  const writer = env.client({ token: writerToken });
  await assert.rejects(writer.createProducer({ topic, name: "p" }), rejectsWith(ErrorCode.PERMISSION_DENIED));

  await security.createRole({ name: "writers", permissions: ["Produce", "Lookup"] });
  const role = await security.getRole("writers");
  assert.deepEqual(role, { name: "writers", permissions: ["Produce", "Lookup"], system: false });
  assert.ok((await security.listRoles()).some((r) => r.name === "writers"));
  await assert.rejects(
    security.createRole({ name: "bad", permissions: ["Fly"] }),
    rejectsWith(ErrorCode.INVALID_ARGUMENT, /unknown permission: Fly/),
  );
  await assert.rejects(security.getRole("no-such-role"), rejectsWith(ErrorCode.NOT_FOUND));

  const binding = {
    id: "writer-default",
    principalType: "service_account",
    principalName: "writer",
    roleNames: ["writers"],
    scope: "namespace",
    resourceName: "default",
  };
  await security.createBinding(binding);
  assert.deepEqual(await security.getBinding(binding.id, binding), binding);
  assert.deepEqual(
    (await security.listBindings({ scope: "namespace", resourceName: "default" })).map((b) => b.id),
    [binding.id],
  );
  assert.ok((await security.listBindings()).some((b) => b.id === binding.id));
  // The binding takes effect: the same token now produces.
  const producer = await writer.createProducer({ topic, name: "p" });
  await producer.send(new TextEncoder().encode("granted"));

  await security.deleteBinding(binding.id, binding);
  assert.deepEqual(await security.listBindings({ scope: "namespace", resourceName: "default" }), []);
  await security.deleteRole("writers");
  await assert.rejects(security.getRole("writers"), rejectsWith(ErrorCode.NOT_FOUND));
  // Without a token the SecurityAdmin service refuses, typed like every other admin call.
  const anonymous = createAdminClient({ adminUrl: env.adminUrl, tls: { ca: pki.ca.file } });
  t.after(() => anonymous.close());
  await assert.rejects(anonymous.security.listRoles(), rejectsWith(ErrorCode.UNAUTHENTICATED));
});
