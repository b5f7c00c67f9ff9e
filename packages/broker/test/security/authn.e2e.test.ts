// Auth mode tls: TLS on both listeners, a valid JWT on every RPC of every service.
import assert from "node:assert/strict";
import { test } from "node:test";
import { admin, danube, schema } from "@danube-ts/protocol";
import { credentials, type ServiceDefinition, status } from "@grpc/grpc-js";
import { createToken } from "../../src/security/jwt.ts";
import { bearer, codeOf, hostPort, ISSUER, rawCall, secureBroker } from "../fixtures/secure-broker.ts";

const clientServices: Record<string, ServiceDefinition> = {
  ProducerService: danube.ProducerServiceService,
  ConsumerService: danube.ConsumerServiceService,
  Discovery: danube.DiscoveryService,
  HealthCheck: danube.HealthCheckService,
  StorageService: danube.StorageServiceService,
  SchemaRegistry: schema.SchemaRegistryService,
};
const adminServices: Record<string, ServiceDefinition> = {
  BrokerAdmin: admin.BrokerAdminService,
  ClusterAdmin: admin.ClusterAdminService,
  NamespaceAdmin: admin.NamespaceAdminService,
  TopicAdmin: admin.TopicAdminService,
  SecurityAdmin: admin.SecurityAdminService,
  SchemaRegistry: schema.SchemaRegistryService,
};

test("every RPC of every service on both listeners refuses a call without a token", async (t) => {
  const sb = await secureBroker(t);
  const creds = sb.creds();
  let checked = 0;
  for (const [url, services] of [
    [sb.broker.url, clientServices],
    [sb.broker.adminUrl, adminServices],
  ] as const) {
    for (const [service, definition] of Object.entries(services)) {
      for (const method of Object.values(definition)) {
        const { code, details } = await codeOf(
          rawCall(sb.client(hostPort(url), creds), undefined, method, undefined, bearer(undefined)),
        );
        assert.equal(code, status.UNAUTHENTICATED, `${service} ${method.path}`);
        assert.equal(details, "Authentication credentials are missing", method.path);
        checked++;
      }
    }
  }
  assert.ok(checked >= 60, `checked ${checked} methods`);
});

test("expired, wrong-issuer, forged, tampered and malformed tokens are UNAUTHENTICATED", async (t) => {
  const sb = await secureBroker(t);
  const creds = sb.creds();
  const now = Math.floor(Date.now() / 1000);
  const good = sb.token("admin");
  const [h, p, s] = good.split(".") as [string, string, string];
  const tampered = `${h}.${Buffer.from(
    JSON.stringify({
      iss: ISSUER,
      exp: now + 3600,
      sub: "root",
      principal_type: "user",
      principal_name: "root",
    }),
  ).toString("base64url")}.${s}`;
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${p}.`;
  const bad: Record<string, string> = {
    expired: `Bearer ${sb.token("admin", { exp: now - 120 })}`,
    "wrong issuer": `Bearer ${sb.token("admin", { issuer: "someone-else" })}`,
    forged: `Bearer ${sb.token("admin", { secret: "not-the-secret" })}`,
    tampered: `Bearer ${tampered}`,
    "alg none": `Bearer ${none}`,
    garbage: "Bearer abc.def",
    "not bearer": `Basic ${good}`,
    "missing claims": `Bearer ${createToken({ exp: now + 60 } as never, "test-secret-key")}`,
  };
  for (const [name, header] of Object.entries(bad)) {
    for (const [url, method] of [
      [sb.broker.url, danube.HealthCheckService.healthCheck],
      [sb.broker.adminUrl, admin.BrokerAdminService.listNamespaces],
    ] as const) {
      const md = bearer(undefined, { authorization: header });
      const { code, details } = await codeOf(rawCall(hostPort(url), creds, method, undefined, md));
      assert.equal(code, status.UNAUTHENTICATED, `${name} on ${method.path}`);
      assert.equal(details, "Invalid token", name);
    }
  }
  // Upstream's 60 s leeway on exp is kept; lowercase "bearer" is accepted as upstream.
  const md = bearer(undefined, { authorization: `bearer ${sb.token("admin", { exp: now - 10 })}` });
  const res = (await rawCall(
    hostPort(sb.broker.adminUrl),
    creds,
    admin.BrokerAdminService.listNamespaces,
    undefined,
    md,
  )) as admin.NamespaceListResponse;
  assert.ok(res.namespaces.includes("default"));
});

test("a valid token gets through; lookups and admin answers carry https:// URLs", async (t) => {
  const sb = await secureBroker(t);
  const creds = sb.creds();
  assert.match(sb.broker.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(sb.broker.adminUrl, /^https:\/\//);
  const md = bearer(sb.token("admin"));
  await rawCall(
    hostPort(sb.broker.adminUrl),
    creds,
    admin.TopicAdminService.createTopic,
    admin.NewTopicRequest.fromPartial({ name: "/default/secure-lookup" }),
    md,
  );
  const lookup = (await rawCall(
    hostPort(sb.broker.url),
    creds,
    danube.DiscoveryService.topicLookup,
    danube.TopicLookupRequest.fromPartial({ requestId: 1n, topic: "/default/secure-lookup" }),
    md,
  )) as danube.TopicLookupResponse;
  assert.equal(lookup.connectUrl, sb.broker.url);
  assert.equal(lookup.brokerUrl, sb.broker.url);
  const brokers = (await rawCall(
    hostPort(sb.broker.adminUrl),
    creds,
    admin.BrokerAdminService.listBrokers,
    undefined,
    md,
  )) as admin.BrokerListResponse;
  assert.equal(brokers.brokers[0]?.brokerAddr, sb.broker.url);
  assert.equal(brokers.brokers[0]?.adminAddr, sb.broker.adminUrl);
  const health = (await rawCall(
    hostPort(sb.broker.url),
    creds,
    danube.HealthCheckService.healthCheck,
    undefined,
    md,
  )) as danube.HealthCheckResponse;
  assert.equal(typeof health.status, "number");
});

test("plaintext and a client trusting another CA cannot connect", async (t) => {
  const sb = await secureBroker(t);
  const md = bearer(sb.token("admin"));
  for (const url of [sb.broker.url, sb.broker.adminUrl]) {
    for (const creds of [credentials.createInsecure(), credentials.createSsl(sb.certs.otherCa)]) {
      const { code } = await codeOf(
        rawCall(hostPort(url), creds, danube.HealthCheckService.healthCheck, undefined, md, 3_000),
      );
      assert.equal(code, status.UNAVAILABLE, url);
    }
  }
});

test("x-danube-internal-broker grants nothing without mutual-TLS proof", async (t) => {
  const sb = await secureBroker(t);
  const list = admin.BrokerAdminService.listNamespaces;
  const header = { "x-danube-internal-broker": "broker/1" };
  const adminAddr = hostPort(sb.broker.adminUrl);
  // Header alone: still no credentials.
  let r = await codeOf(rawCall(adminAddr, sb.creds(), list, undefined, bearer(undefined, header)));
  assert.equal(r.code, status.UNAUTHENTICATED);
  // Header plus an unprivileged token: the token's principal, which has no binding.
  r = await codeOf(rawCall(adminAddr, sb.creds(), list, undefined, bearer(sb.token("bob"), header)));
  assert.equal(r.code, status.PERMISSION_DENIED);
  assert.equal(r.details, "no binding grants ManageNamespace on Cluster for service_account:bob");
  // A CA-signed client certificate that is not the broker's own is no proof either.
  r = await codeOf(
    rawCall(adminAddr, sb.creds({ mtls: true }), list, undefined, bearer(sb.token("bob"), header)),
  );
  assert.equal(r.code, status.PERMISSION_DENIED);
  // The broker's own certificate over mutual TLS is: the header then names a broker-internal principal.
  const brokerIdentity = credentials.createSsl(sb.certs.ca, sb.certs.serverKey, sb.certs.serverCert);
  const res = (await rawCall(adminAddr, brokerIdentity, list, undefined, bearer(undefined, header))) as {
    namespaces: string[];
  };
  assert.ok(res.namespaces.includes("default"));
});

test("requireClientCert: TLS without a client certificate, or with one from another CA, is refused", async (t) => {
  const sb = await secureBroker(t, { auth: { requireClientCert: true } });
  const addr = hostPort(sb.broker.url);
  const md = bearer(sb.token("admin"));
  const health = danube.HealthCheckService.healthCheck;
  let r = await codeOf(rawCall(addr, sb.creds(), health, undefined, md, 3_000));
  assert.equal(r.code, status.UNAVAILABLE);
  const foreign = credentials.createSsl(sb.certs.ca, sb.certs.otherClientKey, sb.certs.otherClientCert);
  r = await codeOf(rawCall(addr, foreign, health, undefined, md, 3_000));
  assert.equal(r.code, status.UNAVAILABLE);
  const ok = (await rawCall(
    addr,
    sb.creds({ mtls: true }),
    health,
    undefined,
    md,
  )) as danube.HealthCheckResponse;
  assert.equal(typeof ok.status, "number");
  // A client certificate is not a credential by itself: the token is still required.
  r = await codeOf(rawCall(addr, sb.creds({ mtls: true }), health, undefined, bearer(undefined)));
  assert.equal(r.code, status.UNAUTHENTICATED);
});
