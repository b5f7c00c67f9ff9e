// docs/security.md, "A secured producer and consumer"; run by
// packages/client/test/security-docs.test.ts against a broker in auth mode "tls".
// example:start
import { readFile } from "node:fs/promises";
import { createClient, DanubeError, ErrorCode } from "../../packages/client/src/index.ts";

const client = createClient({
  serviceUrl: process.env.DANUBE_SERVICE_URL ?? "https://127.0.0.1:6650",
  tls: {
    ca: process.env.DANUBE_CA_FILE ?? "certs/ca.pem", // omit to trust the system's roots
    // For mutual TLS add the client identity: cert: "certs/app.pem", key: "certs/app.key",
  },
  // Read again shortly before the token's exp, and once more if the broker refuses it.
  tokenSupplier: async () => (await readFile(process.env.DANUBE_TOKEN_FILE ?? "token.jwt", "utf8")).trim(),
});

try {
  const topic = "/default/secured";
  const producer = await client.createProducer({ topic, name: "secured-producer" });
  const consumer = await client.subscribe({ topic, subscription: "audit", consumerName: "auditor" });
  await producer.send("hello over TLS");
  for await (const message of consumer) {
    console.log("received:", Buffer.from(message.payload).toString());
    await message.ack();
    break;
  }
} catch (error) {
  if (error instanceof DanubeError && error.code === ErrorCode.PERMISSION_DENIED) {
    console.error("this token's principal may not use the topic:", error.message);
  } else if (error instanceof DanubeError && error.code === ErrorCode.UNAUTHENTICATED) {
    console.error("the broker refused the token:", error.message);
  }
  throw error;
} finally {
  await client.close();
}
// example:end
