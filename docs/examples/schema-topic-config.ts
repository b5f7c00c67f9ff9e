// docs/schema-registry.md, "Topic schema configuration"; run by packages/client/test/schema-docs.test.ts.
// example:start
import { createClient } from "../../packages/client/src/index.ts";
import { connectSchemaRegistry } from "../../packages/client/src/schema/index.ts";

const serviceUrl = process.env.DANUBE_SERVICE_URL ?? "http://127.0.0.1:6650";
await using client = createClient({ serviceUrl });
await using registry = connectSchemaRegistry({ serviceUrl });

await registry.registerSchema({
  subject: "events-value",
  schemaType: "json_schema",
  schema: { type: "object" },
});
const producer = await client.createProducer({ topic: "/default/events", name: "events-producer" }); // the broker must host the topic

await registry.configureTopicSchema({
  topic: "/default/events",
  subject: "events-value",
  validationPolicy: "enforce", // none | warn | enforce
  enablePayloadValidation: true,
});
console.log("config", await registry.getTopicSchemaConfig("/default/events"));

// Under enforce, a message without the subject's schema id is refused.
await producer.send("{}").catch((error: Error) => console.log("refused", error.message.includes("schema")));

await registry.updateTopicValidationPolicy({ topic: "/default/events", validationPolicy: "warn" });
console.log("policy", (await registry.getTopicSchemaConfig("/default/events")).validationPolicy);
// example:end
