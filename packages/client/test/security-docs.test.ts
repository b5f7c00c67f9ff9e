// docs/security.md shows docs/examples/secure-client.ts verbatim, and the example runs
// against a real broker in auth mode "tls" (throwaway certificates, a token file).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { tempDir } from "../../broker/test/temp-dir.ts";
import { assertShowsExample, root } from "./doc-examples.ts";
import { signToken, testPki } from "./fixtures/pki.ts";
import { tempBroker } from "./helpers.ts";

const run = promisify(execFile);
const example = join(root, "docs/examples/secure-client.ts");

test("docs/security.md shows docs/examples/secure-client.ts", async () => {
  await assertShowsExample("docs/security.md", "docs/examples/secure-client.ts");
});

test("the secured example produces and consumes over TLS with a token file", async (t) => {
  const pki = testPki();
  const dir = await tempDir(t);
  const secret = "docs-secret";
  const broker = await tempBroker(t, {
    auth: {
      mode: "tls",
      tls: { certFile: pki.serverCert.file, keyFile: pki.serverKey.file },
      jwt: { secret, issuer: "danube-auth" },
      superAdmins: ["docs-app"],
    },
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
