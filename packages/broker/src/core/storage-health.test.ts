import assert from "node:assert/strict";
import { test } from "node:test";
import { closeBeforeRemoval, tempDir } from "../../test/temp-dir.ts";
import { resolveBrokerOptions } from "../options.ts";
import { BrokerCore, HealthStatus } from "./broker-core.ts";
import { DispatchStrategy } from "./types.ts";

test("the health check answers CLOSE for a producer whose topic log refuses every append", async (t) => {
  const dataDir = await tempDir(t);
  const core = await BrokerCore.open(resolveBrokerOptions({ dataDir, logLevel: "silent", fsync: false }));
  closeBeforeRemoval(t, () => core.close());
  const producer = await core.createProducer({
    topicName: "/default/refusing",
    producerName: "p",
    dispatchStrategy: DispatchStrategy.Reliable,
    accessMode: 0,
  });
  assert.equal(core.health(0, producer.id), HealthStatus.Ok);
  const log = core.catalog.get("/default/refusing")!.log!;
  // The state a write that could not be undone (EIO after a failed fsync) leaves the log in.
  Object.defineProperty(log, "failed", { get: () => new Error("EIO: i/o error, fdatasync") });
  assert.equal(core.health(0, producer.id), HealthStatus.Close);
});
