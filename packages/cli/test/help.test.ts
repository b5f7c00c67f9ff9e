import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli } from "./cli-process.ts";
import { runMain } from "./run-main.ts";

test("--help lists the commands and the exit codes", async () => {
  const result = await runCli(["--help"]);
  assert.equal(result.code, 0, result.stderr);
  for (const word of ["broker", "produce", "consume", "Exit codes", "NOT_FOUND", "UNAVAILABLE"]) {
    assert.match(result.stdout, new RegExp(word));
  }
});

test("--version prints the package version", async () => {
  const result = await runCli(["--version"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^danube \d+\.\d+\.\d+\n$/);
});

test("<command> --help prints that command's flags", async () => {
  const cases = [
    ["broker", "--broker-addr"],
    ["produce", "--reliable"],
    ["consume", "--subscription"],
    ["topics", "set-failure-policy"],
    ["subscriptions", "set-dispatch-config"],
    ["namespaces", "policies"],
    ["brokers", "leader-broker"],
    ["schemas", "set-compatibility"],
  ] as const;
  // In-process, one after another (eight CLI processes at once timed out on a loaded machine).
  for (const [command, flag] of cases) {
    const result = await runMain(command, "--help");
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, new RegExp(`Usage: danube ${command}`));
    assert.match(result.out, new RegExp(flag));
  }
});

test("an unknown flag exits 2 with the command's usage", async () => {
  const result = await runCli(["broker", "--data-dir", "/nonexistent", "--no-such-flag"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no-such-flag/);
  assert.match(result.stderr, /Usage: danube broker/);
  assert.equal(result.stdout, "");
});

test("an unknown command and no command exit 2 with usage", async () => {
  const unknown = await runCli(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  assert.match(unknown.stderr, /Usage: danube <command>/);
  const none = await runCli([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: danube <command>/);
});

test("bad flag values are usage errors", async () => {
  const cases: string[][] = [
    ["broker", "--data-dir", "/tmp/x", "--mode", "cluster"],
    ["broker", "--data-dir", "/tmp/x", "--broker-addr", "localhost"],
    ["broker", "--data-dir", "/tmp/x", "--log-level", "loud"],
    ["broker", "--data-dir", "/tmp/x", "--schema-compatibility-rules", "lenient"],
    ["broker", "--data-dir", "/tmp/x", "--publish-stream", "no"],
    ["broker", "--data-dir", "/tmp/x", "--max-routing-key-bytes", "-1"],
    ["broker"],
    ["produce", "--service-url", "http://127.0.0.1:1", "--topic", "/default/t", "--count", "0"],
    ["produce", "--service-url", "http://127.0.0.1:1", "--topic", "/default/t", "--attr", "novalue"],
    ["consume", "--service-url", "http://127.0.0.1:1", "--topic", "/default/t"],
    ["consume", "--service-url", "http://127.0.0.1:1", "--topic", "/default/t", "-S", "s", "--type", "x"],
  ];
  // In-process, one after another: usage errors return before anything starts or connects
  // (nine CLI processes at once timed out on a loaded machine).
  for (const args of cases) {
    const result = await runMain(...args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.err}`);
    assert.match(result.err, /Usage: danube /);
    assert.equal(result.out, "", args.join(" "));
  }
});
