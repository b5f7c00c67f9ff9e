import assert from "node:assert/strict";
import { test } from "node:test";
import { parseBrokerConfig } from "../../src/config-file.ts";
import { BrokerError, startBroker } from "../../src/index.ts";

test("broker.ports.console in the config file turns the console on, on broker.host", () => {
  const yaml = "broker:\n  host: 127.0.0.3\n  ports:\n    client: 7000\n    console: 8080\n";
  const { options, unusedKeys } = parseBrokerConfig(yaml, "c.yml");
  assert.deepEqual(options.console, { host: "127.0.0.3", port: 8080 });
  assert.deepEqual(unusedKeys, []);
  assert.throws(
    () => parseBrokerConfig("broker:\n  ports:\n    console: web\n", "c.yml"),
    /broker\.ports\.console/,
  );
});

test("console options are validated before anything starts", async () => {
  await assert.rejects(
    startBroker({ dataDir: "/nonexistent/never-created", console: { port: 70000 } }),
    (err: unknown) =>
      err instanceof BrokerError && /console\.port must be an integer from 0 to 65535/.test(err.message),
  );
  await assert.rejects(
    startBroker({ dataDir: "/nonexistent/never-created", console: { port: 0, maxBrowseMessages: 0 } }),
    /console\.maxBrowseMessages must be an integer from 1 to 1000/,
  );
});
