// docs/schema-registry.md shows docs/examples/schema-*.ts verbatim, and each example runs against
// a real broker (tsc type-checks them as part of the project), so the docs cannot drift.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { type RunningBroker, startBroker } from "@danube-ts/broker";
import { assertShowsExample, root } from "./doc-examples.ts";

const run = promisify(execFile);
const examples = join(root, "docs/examples");

const cases: Array<{ file: string; expect: RegExp[] }> = [
  {
    file: "schema-registry-basics.ts",
    expect: [
      /^registered 1n 1 true$/m,
      /^again 1 false$/m,
      /^compatible true$/m,
      /^v2 true 2$/m,
      /^latest 2 backward 1$/m,
      /^version 1 first version$/m,
      /^version 2 $/m,
      /^subject users-value avro 2$/m,
      /^email without default false \/fields\/email: .*default/m,
    ],
  },
  {
    file: "schema-serdes.ts",
    expect: [
      /^json Ada \{"id":1,"customer":\{"name":"Ada"\},"items":\["book"\]\}$/m,
      /^invalid INVALID_ARGUMENT encode \/id must be integer$/m,
      /^avro 5 Ada$/m,
      /^protobuf 1250$/m,
      /^number 8 1\.5$/m,
    ],
  },
  {
    file: "schema-evolution.ts",
    expect: [
      /^stamp \d+n 1 8$/m,
      /^evolved to 2$/m,
      /^decoded \{ celsius: 21\.5, sensor: 'unknown' \}$/m,
      /^refused FAILED_PRECONDITION$/m,
    ],
  },
  {
    file: "schema-typed-topic.ts",
    expect: [/^invalid INVALID_ARGUMENT$/m, /^paid 1 9\.99 EUR schema version 1$/m],
  },
  {
    file: "schema-topic-config.ts",
    expect: [/subject: 'events-value'/, /validationPolicy: 'enforce'/, /^refused true$/m, /^policy warn$/m],
  },
];

describe("docs/schema-registry.md examples", () => {
  let broker: RunningBroker;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "danube-schema-docs-"));
    broker = await startBroker({ dataDir, port: 0, adminPort: 0 });
  });
  after(async () => {
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  for (const { file, expect } of cases) {
    test(`${file} is shown verbatim in the docs`, async () => {
      await assertShowsExample("docs/schema-registry.md", `docs/examples/${file}`);
    });

    test(`${file} runs against a real broker`, async () => {
      const { stdout } = await run(process.execPath, ["--import", "tsx", join(examples, file)], {
        cwd: root,
        env: { ...process.env, DANUBE_SERVICE_URL: broker.url },
        timeout: 30_000,
      });
      for (const pattern of expect) assert.match(stdout, pattern, `${file} output:\n${stdout}`);
    });
  }
});
