import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SchemaWorker } from "../index.ts";

const record = (fields: string) => `{"type":"record","name":"U","fields":[${fields}]}`;

describe("SchemaWorker", () => {
  it("parses and checks on a worker thread; a task past its time limit is stopped and the next one runs", async (t) => {
    const worker = new SchemaWorker();
    t.after(() => worker.close());
    const ok = await worker.run(
      {
        schemaType: "avro",
        definition: record('{"name":"a","type":"string"},{"name":"b","type":"int"}'),
        previous: [{ schemaType: "avro", definition: record('{"name":"a","type":"string"}') }],
        mode: "backward",
        rules: "upstream",
      },
      30_000,
    );
    assert.equal(ok.ok, true);
    assert.equal(ok.ok && ok.compatible, false);
    const invalid = await worker.run(
      { schemaType: "json", definition: "{", previous: [], mode: "none", rules: "upstream" },
      30_000,
    );
    assert.deepEqual([invalid.ok, !invalid.ok && invalid.code], [false, "SCHEMA_INVALID"]);

    const fields = Array.from({ length: 8_000 }, (_, i) => `  string f${i} = ${i + 1};`).join("\n");
    const slow = await worker.run(
      {
        schemaType: "protobuf",
        definition: `syntax = "proto3";\nmessage M {\n${fields}\n}\n`,
        previous: [],
        mode: "none",
        rules: "upstream",
      },
      20,
    );
    assert.equal(slow.ok, false);
    assert.match(!slow.ok ? slow.message : "", /did not finish within 20 ms and was stopped/);
    const after = await worker.run(
      { schemaType: "string", definition: "", previous: [], mode: "none", rules: "upstream" },
      30_000,
    );
    assert.equal(after.ok, true);
  });
});
