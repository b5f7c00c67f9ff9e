// docs/schema-registry.md, "Bindings and decoders"; run by packages/client/test/schema-docs.test.ts.
// example:start
import { DanubeError } from "../../packages/client/src/index.ts";
import {
  connectSchemaRegistry,
  createSchemaDecoder,
  schemaBinding,
  serdes,
} from "../../packages/client/src/schema/index.ts";

const serviceUrl = process.env.DANUBE_SERVICE_URL ?? "http://127.0.0.1:6650";
await using registry = connectSchemaRegistry({ serviceUrl });

const v1 = { type: "record", name: "Reading", fields: [{ name: "celsius", type: "double" }] };
const v2 = {
  ...v1,
  fields: [...v1.fields, { name: "sensor", type: "string", default: "unknown" }],
};

// Producer side: subject + version reference + serde. autoRegister registers the serde's schema
// if the subject lacks it (a new version only if the compatibility check passes).
const writerV1 = schemaBinding({
  subject: "readings-value",
  serde: serdes.avro<{ celsius: number }>(v1),
  version: "latest", // or { pinned: n } or { minVersion: n }
  autoRegister: true,
});
const stamp = await writerV1.resolve(registry); // { schemaId, version } stamped on every message
const payload = writerV1.encode({ celsius: 21.5 });
console.log("stamp", stamp.schemaId, stamp.version, payload.length);

const writerV2 = schemaBinding({ subject: "readings-value", serde: serdes.avro(v2), autoRegister: true });
console.log("evolved to", (await writerV2.resolve(registry)).version);

// Consumer side: decode by the message's (schemaId, schemaVersion); Avro data written with v1
// reads into the consumer's v2 schema (defaults filled in).
const decoder = createSchemaDecoder(registry, serdes.avro<{ celsius: number; sensor: string }>(v2));
const message = { payload, schemaId: stamp.schemaId, schemaVersion: stamp.version }; // a received Message has these
console.log("decoded", await decoder.decode(message));

// An incompatible schema is refused, naming what breaks.
const breaking = { ...v1, fields: [{ name: "celsius", type: "string" }] };
try {
  await schemaBinding({
    subject: "readings-value",
    serde: serdes.avro(breaking),
    autoRegister: true,
  }).resolve(registry);
} catch (error) {
  if (error instanceof DanubeError) console.log("refused", error.code);
}
// example:end
