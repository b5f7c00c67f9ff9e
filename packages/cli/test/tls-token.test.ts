// The TLS and token settings of the client and admin commands, against a real broker in auth
// mode tls (throwaway certificates): flags, environment variables, and the errors when they are
// missing or wrong.
import assert from "node:assert/strict";
import { test } from "node:test";
import { secureBroker } from "../../broker/test/fixtures/secure-broker.ts";
import { startCli } from "./cli-process.ts";
import { runMain } from "./run-main.ts";

/** Runs `fn` with extra environment variables set in this process, restoring them after. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test("produce and consume over TLS with a token, from flags and from DANUBE_* variables", async (t) => {
  const sb = await secureBroker(t);
  const { url } = sb.broker;
  const token = sb.token("admin");
  const topic = "/default/cli-tls";
  const created = await runMain(
    "topics",
    "create",
    topic,
    "--endpoint",
    sb.broker.adminUrl,
    "--ca",
    sb.certs.caFile,
    "--token",
    token,
  );
  assert.equal(created.code, 0, created.err);
  const consumers = [
    // flags
    startCli([
      "consume",
      "-t",
      topic,
      "-m",
      "by-flags",
      "-c",
      "2",
      "-s",
      url,
      "--ca",
      sb.certs.caFile,
      "--token",
      token,
    ]),
    // environment variables only
    startCli(["consume", "-t", topic, "-m", "by-env", "-c", "2"], {
      env: { DANUBE_SERVICE_URL: url, DANUBE_CA: sb.certs.caFile, DANUBE_TOKEN: token },
    }),
  ];
  t.after(() => {
    for (const c of consumers) c.kill();
  });
  await Promise.all(consumers.map((c) => c.waitForLine(/^subscribed to /)));

  const byFlags = await runMain(
    "produce",
    "-t",
    topic,
    "one",
    "-s",
    url,
    "--ca",
    sb.certs.caFile,
    "--token",
    token,
  );
  assert.equal(byFlags.code, 0, byFlags.err);
  const byEnv = await withEnv(
    { DANUBE_SERVICE_URL: url, DANUBE_CA: sb.certs.caFile, DANUBE_TOKEN: token },
    () => runMain("produce", "-t", topic, "two"),
  );
  assert.equal(byEnv.code, 0, byEnv.err);
  for (const c of consumers) {
    const done = await c.exited(15_000);
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(
      done.stdout
        .trim()
        .split("\n")
        .map((line) => / payload=(\w+)$/.exec(line)?.[1]),
      ["one", "two"],
    );
  }
});

test("admin list over TLS with a token; a missing token and a wrong CA fail clearly", async (t) => {
  const sb = await secureBroker(t);
  const { url, adminUrl } = sb.broker;
  const ca = sb.certs.caFile;
  const token = sb.token("admin");
  assert.equal(
    (await runMain("namespaces", "create", "team", "--endpoint", adminUrl, "--ca", ca, "--token", token))
      .code,
    0,
  );

  const byFlags = await runMain(
    "namespaces",
    "list",
    "-o",
    "json",
    "--endpoint",
    adminUrl,
    "--ca",
    ca,
    "--token",
    token,
  );
  assert.equal(byFlags.code, 0, byFlags.err);
  assert.ok((JSON.parse(byFlags.out) as string[]).includes("team"), byFlags.out);
  // danube-admin's variables; the admin URL from an http:// spelling plus DANUBE_ADMIN_TLS=true.
  const byEnv = await withEnv(
    {
      DANUBE_ADMIN_ENDPOINT: adminUrl.replace("https://", "http://"),
      DANUBE_ADMIN_TLS: "true",
      DANUBE_ADMIN_CA: ca,
      DANUBE_ADMIN_TOKEN: token,
    },
    () => runMain("topics", "list", "team", "-o", "json"),
  );
  assert.equal(byEnv.code, 0, byEnv.err);
  assert.deepEqual(JSON.parse(byEnv.out), []);

  // No token: UNAUTHENTICATED, exit 14, on both listeners.
  const noTokenAdmin = await runMain("namespaces", "list", "--endpoint", adminUrl, "--ca", ca);
  assert.equal(noTokenAdmin.code, 14, noTokenAdmin.err);
  assert.match(noTokenAdmin.err, /UNAUTHENTICATED/);
  const noTokenProduce = await runMain("produce", "-t", "/default/x", "m", "-s", url, "--ca", ca);
  assert.equal(noTokenProduce.code, 14, noTokenProduce.err);
  assert.match(noTokenProduce.err, /UNAUTHENTICATED/);

  // A CA that did not sign the broker's certificate.
  const wrongCa = sb.certs.otherCaFile;
  const wrong = await runMain(
    "namespaces",
    "list",
    "--endpoint",
    adminUrl,
    "--ca",
    wrongCa,
    "--token",
    token,
  );
  assert.equal(wrong.code, 17, wrong.err);
  assert.match(wrong.err, /self-signed certificate in certificate chain.*\[UNAVAILABLE\]/);
  const wrongProduce = await runMain(
    "produce",
    "-t",
    "/default/x",
    "m",
    "-s",
    url,
    "--ca",
    wrongCa,
    "--token",
    token,
  );
  assert.equal(wrongProduce.code, 17, wrongProduce.err);
  assert.match(wrongProduce.err, /self-signed certificate in certificate chain.*\[UNAVAILABLE\]/);

  // TLS flags against a plaintext URL are a usage error (exit 2) rather than silently ignored.
  const plain = await runMain("namespaces", "list", "--endpoint", "http://127.0.0.1:1", "--ca", ca);
  assert.equal(plain.code, 2);
  assert.match(plain.err, /--ca applies to TLS: use an https:\/\/ URL or --tls/);
});
