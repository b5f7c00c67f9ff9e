import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { verifyToken } from "@danube-ts/broker";
import { testCertificates } from "../../broker/test/fixtures/certs.ts";
import { tempBroker } from "../../broker/test/temp-broker.ts";
import { tempDir } from "../../broker/test/temp-dir.ts";
import { startCliBroker } from "./cli-broker.ts";
import { runMain } from "./run-main.ts";

const SECRET = "cli-test-secret";

/** Runs `danube <args>` in this process (the security commands need no process of their own). */
async function danube(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, out, err } = await runMain(...args);
  return { code, stdout: out, stderr: err };
}

test("security tokens create makes upstream-shaped tokens that validate; a wrong key does not", async () => {
  const created = await danube([
    "security",
    "tokens",
    "create",
    "--subject",
    "my-app",
    "--secret-key",
    SECRET,
    "--ttl",
    "24h",
    "--type",
    "user",
  ]);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  const claims = verifyToken(token, SECRET, { issuer: "danube-auth" });
  assert.equal(claims.sub, "my-app");
  assert.equal(claims.principal_name, "my-app");
  assert.equal(claims.principal_type, "user");
  const ttl = claims.exp - Math.floor(Date.now() / 1000);
  assert.ok(ttl > 24 * 3600 - 60 && ttl <= 24 * 3600, `ttl ${ttl}`);

  const ok = await danube(["security", "tokens", "validate", "--token", token, "--secret-key", SECRET]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Token is valid\.\n {2}Subject: +my-app\n {2}Principal type: +user/);
  const bad = await danube(["security", "tokens", "validate", "--token", token, "--secret-key", "wrong"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Token validation failed: invalid signature/);
  const ttlErr = await danube([
    "security",
    "tokens",
    "create",
    "--subject",
    "x",
    "--secret-key",
    "k",
    "--ttl",
    "1y",
  ]);
  assert.equal(ttlErr.code, 2);
  assert.match(ttlErr.stderr, /--ttl must be/);
});

test("broker --config-file: TLS from upstream's YAML, unused keys reported, flags override; roles and bindings over https", async (t) => {
  const dir = await tempDir(t);
  const certs = testCertificates();
  const config = join(dir, "broker.yml");
  await writeFile(
    config,
    [
      'cluster_name: "CLI"',
      "broker:",
      '  host: "127.0.0.1"',
      "  ports:",
      "    client: 1",
      "    admin: 2",
      "    raft: 7650",
      "bootstrap_namespaces: [default, team]",
      "auto_create_topics: true",
      "admin_tls: true",
      "auth:",
      "  mode: tls",
      "  tls:",
      `    cert_file: "${certs.serverCertFile}"`,
      `    key_file: "${certs.serverKeyFile}"`,
      `    ca_file: "${certs.caFile}"`,
      "  jwt:",
      `    secret_key: "${SECRET}"`,
      '    issuer: "danube-auth"',
      "    expiration_time: 3600",
      "  super_admins: [admin]",
      "",
    ].join("\n"),
  );
  const { cli: broker, url, adminUrl } = await startCliBroker(t, ["--config-file", config]);
  assert.match(url, /^https:/);
  assert.match(adminUrl, /^https:/);
  assert.notEqual(new URL(url).port, "1", "--broker-addr overrides broker.ports.client");
  assert.notEqual(new URL(adminUrl).port, "2", "--admin-addr overrides broker.ports.admin");
  assert.match(
    broker.stderr(),
    /keys not used by this standalone broker: broker\.ports\.raft, cluster_name\n/,
  );

  const mint = async (subject: string) =>
    (
      await danube(["security", "tokens", "create", "--subject", subject, "--secret-key", SECRET])
    ).stdout.trim();
  const conn = ["--endpoint", adminUrl, "--ca", certs.caFile, "--token", await mint("admin")];
  let r = await danube([
    "security",
    "roles",
    "create",
    "producer",
    "--permissions",
    "Produce, Lookup",
    ...conn,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "Role 'producer' created: true");
  r = await danube(["security", "roles", "list", "--output", "json", ...conn]);
  assert.deepEqual(JSON.parse(r.stdout), [
    { name: "producer", permissions: ["Produce", "Lookup"], system: false },
  ]);
  r = await danube([
    "security",
    "bindings",
    "create",
    "b1",
    "--principal-type",
    "service_account",
    "--principal-name",
    "app",
    "--roles",
    "producer",
    "--scope",
    "namespace",
    "--resource",
    "team",
    ...conn,
  ]);
  assert.equal(r.code, 0, r.stderr);
  r = await danube(["security", "bindings", "list", "--scope", "namespace", "--resource", "team", ...conn]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /Binding: b1\n {2}Principal: service_account:app\n {2}Roles: producer\n {2}Scope: namespace \(team\)/,
  );
  r = await danube(["security", "roles", "create", "x", "--permissions", "Fly", ...conn]);
  assert.equal(r.code, 10);
  assert.match(r.stderr, /unknown permission: Fly \[INVALID_ARGUMENT\]/);

  // Without a token, or as a principal without ManageCluster.
  r = await danube(["security", "roles", "list", "--endpoint", adminUrl, "--ca", certs.caFile]);
  assert.equal(r.code, 14, r.stderr);
  assert.match(r.stderr, /Authentication credentials are missing \[UNAUTHENTICATED\]/);
  r = await danube([
    "security",
    "roles",
    "list",
    "--endpoint",
    adminUrl,
    "--ca",
    certs.caFile,
    "--token",
    await mint("app"),
  ]);
  assert.equal(r.code, 13, r.stderr);
  assert.match(
    r.stderr,
    /no binding grants ManageCluster on Cluster for service_account:app \[PERMISSION_DENIED\]/,
  );
  r = await danube([
    "security",
    "bindings",
    "delete",
    "b1",
    "--scope",
    "namespace",
    "--resource",
    "team",
    ...conn,
  ]);
  assert.equal(r.stdout.trim(), "Binding 'b1' deleted: true");
});

test("broker --config-file: a key of the wrong type is a usage error naming the key", async (t) => {
  const dir = await tempDir(t);
  const config = join(dir, "bad.yml");
  await writeFile(config, "broker:\n  ports:\n    client: six-six-five-zero\n");
  const r = await danube(["broker", "--data-dir", join(dir, "data"), "--config-file", config]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /broker\.ports\.client must be an integer from 0 to 65535, got "six-six-five-zero"/);
});

test("security roles against a broker in auth mode none need no credentials", async (t) => {
  const broker = await tempBroker(t);
  const r = await danube([
    "security",
    "roles",
    "create",
    "r",
    "--permissions",
    "Consume",
    "-a",
    broker.adminUrl,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const g = await danube(["security", "roles", "get", "r", "-a", broker.adminUrl]);
  assert.equal(g.stdout, "Role: r\n  Permissions: Consume\n");
});
