// How the commands resolve TLS and token settings: flags first, then the listener's variables.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCommand, UsageError } from "../src/args.ts";
import { adminUrlSpecs, connectionOf, keySpec, securitySpecs, serviceUrlSpecs } from "../src/connection.ts";

const specs = { ...serviceUrlSpecs, ...adminUrlSpecs, ...securitySpecs, ...keySpec };
const flags = (...argv: string[]) => parseCommand(argv, specs, "usage");

test("flags win over variables; danube-admin's DANUBE_ADMIN_API_KEY is the token's fallback", () => {
  const env = { DANUBE_ADMIN_API_KEY: "old", DANUBE_ADMIN_CA: "env-ca.pem", DANUBE_TOKEN: "svc" };
  assert.deepEqual(connectionOf(flags(), "admin", "https://h:1", { env }), {
    url: "https://h:1",
    tls: { ca: "env-ca.pem" },
    token: "old",
  });
  assert.deepEqual(connectionOf(flags("--token", "t", "--ca", "c.pem"), "admin", "https://h:1", { env }), {
    url: "https://h:1",
    tls: { ca: "c.pem" },
    token: "t",
  });
  // The service listener reads DANUBE_*, not DANUBE_ADMIN_*.
  assert.deepEqual(connectionOf(flags(), "service", "https://h:1", { env }), {
    url: "https://h:1",
    tls: {},
    token: "svc",
  });
});

test("TLS from --tls or DANUBE_*_TLS=true turns the URL into https://; plaintext stays http://", () => {
  assert.equal(connectionOf(flags("--tls"), "service", "h:1", { env: {} }).url, "https://h:1");
  assert.equal(
    connectionOf(flags(), "admin", "http://h:1", { env: { DANUBE_ADMIN_TLS: "true" } }).url,
    "https://h:1",
  );
  const plain = connectionOf(flags(), "admin", "h:1", {
    env: { DANUBE_ADMIN_CA: "ignored.pem", DANUBE_ADMIN_TOKEN: "t" },
  });
  assert.deepEqual(plain, { url: "http://h:1", token: "t" });
});

test("client identity: --cert with --key or --tls-key; one without the other and TLS flags on http:// are usage errors", () => {
  const both = connectionOf(flags("--cert", "c", "--key", "k", "--domain", "d"), "admin", "https://h:1", {
    env: {},
  });
  assert.deepEqual(both.tls, { cert: "c", key: "k", serverName: "d" });
  // In produce --key is the message key; only --tls-key names the private key there.
  const produce = connectionOf(
    flags("--cert", "c", "--key", "msg", "--tls-key", "k"),
    "service",
    "https://h:1",
    {
      keyFlag: false,
      env: {},
    },
  );
  assert.deepEqual(produce.tls, { cert: "c", key: "k" });
  assert.throws(
    () => connectionOf(flags("--cert", "c"), "admin", "https://h:1", { env: {} }),
    (e: unknown) => e instanceof UsageError && /needs both --cert and --key/.test(e.message),
  );
  assert.throws(
    () => connectionOf(flags("--domain", "d"), "service", "http://h:1", { env: {} }),
    (e: unknown) => e instanceof UsageError && /--domain applies to TLS/.test(e.message),
  );
});
