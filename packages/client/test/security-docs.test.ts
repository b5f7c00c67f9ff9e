// docs/security.md shows docs/examples/secure-client.ts verbatim, and the example runs
// against a real broker in auth mode "tls" (throwaway certificates, a token file).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startBroker } from "@danube-ts/broker";
import { signToken, testPki } from "./fixtures/pki.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../../", import.meta.url));
const example = join(root, "docs/examples/secure-client.ts");
const page = join(root, "docs/security.md");

const squash = (code: string) =>
  code
    .replaceAll(/,(\s*[}\])])/g, "$1")
    .replaceAll(/\s+/g, " ")
    .trim();

test("docs/security.md shows docs/examples/secure-client.ts", async () => {
  const source = await readFile(example, "utf8");
  const block = source
    .slice(
      source.indexOf("// example:start\n") + "// example:start\n".length,
      source.indexOf("// example:end"),
    )
    .replaceAll('"../../packages/client/src/index.ts"', '"@danube-ts/client"');
  const text = await readFile(page, "utf8");
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => squash(m[1]!));
  assert.ok(blocks.includes(squash(block)), "docs/security.md differs from the example");
});

test("the secured example produces and consumes over TLS with a token file", async (t) => {
  const pki = testPki();
  const dir = await mkdtemp(join(tmpdir(), "danube-security-docs-"));
  const secret = "docs-secret";
  const broker = await startBroker({
    dataDir: join(dir, "data"),
    port: 0,
    adminPort: 0,
    auth: {
      mode: "tls",
      tls: { certFile: pki.serverCert.file, keyFile: pki.serverKey.file },
      jwt: { secret, issuer: "danube-auth" },
      superAdmins: ["docs-app"],
    },
  });
  t.after(async () => {
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });
  const tokenFile = join(dir, "token.jwt");
  await writeFile(tokenFile, `${signToken(secret, "docs-app")}\n`);
  const { stdout } = await run(process.execPath, ["--import", "tsx", example], {
    env: {
      ...process.env,
      DANUBE_SERVICE_URL: broker.url,
      DANUBE_CA_FILE: pki.ca.file,
      DANUBE_TOKEN_FILE: tokenFile,
    },
    timeout: 30_000,
  });
  assert.match(stdout, /^received: hello over TLS$/m);
});
