import assert from "node:assert/strict";
import { test } from "node:test";
import { BROKER_NODE_FLAGS, brokerNodeFlags, reexecForBroker } from "../bin/node-flags.mjs";

interface Call {
  file: string;
  args: string[];
}

function recorder(): { calls: Call[]; execve: (file: string, args: string[]) => never } {
  const calls: Call[] = [];
  return {
    calls,
    execve: (file, args) => {
      calls.push({ file, args });
      throw new Error("recorded"); // a real execve never returns
    },
  };
}

test("`danube broker` without the flags re-executes itself with them, keeping every argument", () => {
  const { calls, execve } = recorder();
  const warnings: string[] = [];
  reexecForBroker({
    argv: ["/usr/bin/node", "/x/danube.mjs", "broker", "--data-dir", "d"],
    execArgv: ["--conditions=@danube-ts/source"],
    env: {},
    execve,
    warn: (m) => warnings.push(m),
  });
  assert.deepEqual(calls, [
    {
      file: process.execPath,
      args: [
        process.execPath,
        "--conditions=@danube-ts/source",
        ...BROKER_NODE_FLAGS,
        "/x/danube.mjs",
        "broker",
        "--data-dir",
        "d",
      ],
    },
  ]);
  assert.equal(warnings.length, 1, "a failed execve is reported, and the broker runs as is");
  assert.match(warnings[0]!, /runs without --initial-old-space-size=64: recorded/);
});

test("no re-exec for other commands, when the flags are given, without execve, or when turned off", () => {
  const { calls, execve } = recorder();
  const argv = ["/usr/bin/node", "/x/danube.mjs", "broker"];
  reexecForBroker({ argv: ["/usr/bin/node", "/x/danube.mjs", "produce"], execArgv: [], env: {}, execve });
  reexecForBroker({ argv, execArgv: ["--initial_old_space_size=128"], env: {}, execve });
  reexecForBroker({ argv, execArgv: [], env: {}, execve: undefined });
  reexecForBroker({ argv, execArgv: [], env: { DANUBE_NODE_FLAGS: "" }, execve });
  assert.deepEqual(calls, []);
});

test("DANUBE_NODE_FLAGS replaces the default flags", () => {
  assert.deepEqual(brokerNodeFlags({}), [...BROKER_NODE_FLAGS]);
  assert.deepEqual(
    brokerNodeFlags({ DANUBE_NODE_FLAGS: " --max-semi-space-size=4  --initial-old-space-size=96 " }),
    ["--max-semi-space-size=4", "--initial-old-space-size=96"],
  );
  const { calls, execve } = recorder();
  reexecForBroker({
    argv: ["n", "d.mjs", "broker"],
    execArgv: [],
    env: { DANUBE_NODE_FLAGS: "--initial-old-space-size=96" },
    execve,
    warn: () => {},
  });
  assert.deepEqual(calls[0]?.args, [process.execPath, "--initial-old-space-size=96", "d.mjs", "broker"]);
});
