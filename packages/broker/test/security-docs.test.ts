// docs/security.md (broker half) cannot drift: its certificate commands run, its YAML starts a
// secured broker that accepts its certificates, and its TypeScript block is the tested example.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { danube } from "@danube-ts/protocol";
import { credentials, status } from "@grpc/grpc-js";
import { startSecureBroker } from "../../../docs/examples/secure-broker.ts";
import { parseBrokerConfig } from "../src/config-file.ts";
import { startBroker } from "../src/index.ts";
import { createToken } from "../src/security/jwt.ts";
import { bearer, codeOf, hostPort, rawCall } from "./fixtures/secure-broker.ts";
import { closeBeforeRemoval, tempDir } from "./helpers.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const page = readFileSync(join(root, "docs/security.md"), "utf8");
const blocks = (lang: string) =>
  [...page.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\\n\`\`\``, "g"))].map((m) => m[1]!);
const squash = (code: string) => code.replaceAll(/\s+/g, " ").trim();

test("docs/security.md shows docs/examples/secure-broker.ts verbatim", () => {
  const example = readFileSync(join(root, "docs/examples/secure-broker.ts"), "utf8");
  assert.ok(blocks("ts").map(squash).includes(squash(example)));
});

test("the page's certificates, YAML and example give working TLS brokers", async (t) => {
  const dir = await tempDir(t);
  const [certScript] = blocks("sh");
  execFileSync("sh", ["-e", "-c", certScript!], { cwd: dir, stdio: "pipe" });
  const certDir = join(dir, "cert");

  // The YAML block: unused keys are the ones the page lists; relative paths resolve from `dir`.
  const [yaml] = blocks("yaml");
  const { options, unusedKeys } = parseBrokerConfig(yaml!, "broker.yml");
  assert.ok(page.includes(`keys not used by this standalone broker: ${unusedKeys.join(", ")}\``));
  const tls = options.auth!.tls!;
  const auth = {
    ...options.auth!,
    requireClientCert: true,
    tls: {
      certFile: resolve(dir, tls.certFile!),
      keyFile: resolve(dir, tls.keyFile!),
      caFile: resolve(dir, tls.caFile!),
    },
  };
  const broker = await startBroker({ ...options, auth, dataDir: join(dir, "data"), port: 0, adminPort: 0 });
  closeBeforeRemoval(t, () => broker.close());
  const ca = readFileSync(join(certDir, "ca-cert.pem"));
  const mtls = credentials.createSsl(
    ca,
    readFileSync(join(certDir, "client-key.pem")),
    readFileSync(join(certDir, "client-cert.pem")),
  );
  const token = createToken(
    {
      iss: "danube-auth",
      exp: Math.floor(Date.now() / 1000) + 60,
      sub: "admin",
      principal_type: "user",
      principal_name: "admin",
    },
    "change-me",
  );
  const health = danube.HealthCheckService.healthCheck;
  const ok = (await rawCall(hostPort(broker.url), mtls, health, undefined, bearer(token))) as {
    status: number;
  };
  assert.equal(typeof ok.status, "number");
  const r = await codeOf(
    rawCall(hostPort(broker.url), credentials.createSsl(ca), health, undefined, bearer(token), 3_000),
  );
  assert.equal(r.code, status.UNAVAILABLE, "require_client_cert refuses a client without a certificate");

  // The embedding example.
  const embedded = await startSecureBroker(certDir, join(dir, "data2"), 0, 0);
  closeBeforeRemoval(t, () => embedded.close());
  assert.match(embedded.url, /^https:\/\//);
  assert.match(embedded.adminUrl, /^https:\/\//);
  const again = (await rawCall(
    hostPort(embedded.url),
    credentials.createSsl(ca),
    health,
    undefined,
    bearer(token),
  )) as {
    status: number;
  };
  assert.equal(typeof again.status, "number");
});
