// docs/schema-registry.md, "Registering and reading schemas"; run by packages/client/test/schema-docs.test.ts.
// example:start
import { connectSchemaRegistry } from "../../packages/client/src/schema/index.ts";

const serviceUrl = process.env.DANUBE_SERVICE_URL ?? "http://127.0.0.1:6650";
await using registry = connectSchemaRegistry({ serviceUrl });

const userV1 = {
  type: "record",
  name: "User",
  fields: [{ name: "id", type: "long" }],
};
const registered = await registry.registerSchema({
  subject: "users-value",
  schemaType: "avro",
  schema: userV1, // text, bytes or a JSON value
  description: "first version",
  tags: ["pii"],
});
console.log("registered", registered.schemaId, registered.version, registered.isNewVersion);

// Registering the same schema again (any formatting) returns the existing version.
const again = await registry.registerSchema({ subject: "users-value", schemaType: "avro", schema: userV1 });
console.log("again", again.version, again.isNewVersion);

// A new version: every version of a subject shares its schema id.
const userV2 = {
  ...userV1,
  fields: [...userV1.fields, { name: "name", type: "string", default: "" }],
};
const check = await registry.checkCompatibility({
  subject: "users-value",
  schemaType: "avro",
  schema: userV2,
});
console.log("compatible", check.compatible);
const v2 = await registry.registerSchema({ subject: "users-value", schemaType: "avro", schema: userV2 });
console.log("v2", v2.schemaId === registered.schemaId, v2.version);

// Reads: the raw schema text, never the broker's envelope.
const latest = await registry.getLatestSchema("users-value");
const first = await registry.getSchema(latest.schemaId, 1); // cached by (id, version)
console.log("latest", latest.version, latest.compatibilityMode, JSON.parse(first.definition).fields.length);

for (const v of await registry.listVersions("users-value")) console.log("version", v.version, v.description);
for (const s of await registry.listSubjects())
  console.log("subject", s.subject, s.schemaType, s.latestVersion);

// Compatibility modes: none, backward (default), forward, full (and *_transitive).
await registry.setCompatibilityMode("users-value", "full");
const strict = await registry.checkCompatibility({
  subject: "users-value",
  schemaType: "avro",
  schema: { ...userV1, fields: [...userV1.fields, { name: "email", type: "string" }] },
  mode: "backward", // for this check only
});
console.log("email without default", strict.compatible, strict.errors[0]);
// example:end
