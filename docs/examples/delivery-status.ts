// docs/delivery.md, "Retries" and "Status events"; run by packages/client/test/delivery-docs.test.ts.
// example:start
import { createClient } from "../../packages/client/src/index.ts";

const serviceUrl = process.env.DANUBE_SERVICE_URL ?? "http://127.0.0.1:6650";
// The retry policy, here with its defaults: retries end at each call's deadline (timeoutMs);
// add maxRetries to also cap their number (0 means no retries at all).
const client = createClient({ serviceUrl, retry: { baseDelayMs: 200, maxDelayMs: 5000 } });

const watching = (async () => {
  for await (const event of client.status()) {
    // event.type: "reconnecting" | "reconnected" | "error" | "closed"
    if (event.type === "reconnecting") console.warn(event.source, event.topic, event.attempt, event.reason);
    if (event.type === "closed") console.log("status stream ended:", event.source);
  }
})();

await client.close();
await watching;
// example:end
