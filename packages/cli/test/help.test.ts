import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli } from "./cli-process.ts";

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
  const results = await Promise.all(cases.map(([command]) => runCli([command, "--help"])));
  for (const [i, result] of results.entries()) {
    const [command, flag] = cases[i]!;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`Usage: danube ${command}`));
    assert.match(result.stdout, new RegExp(flag));
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
    ["broker"],
    ["produce", "--service-url", "http://127.0.0.1:1", "--topic", "/default/t", "--count", "0"],
    ["produce", "--service-url", "http://127.0.0.1:1", "--topic", "/default/t", "--attr", "novalue"],
    ["consume", "--service-url", "http://127.0.0.1:1", "--topic", "/default/t"],
    ["consume", "--service-url", "http://127.0.0.1:1", "--topic", "/default/t", "-S", "s", "--type", "x"],
  ];
  const results = await Promise.all(cases.map((args) => runCli(args)));
  for (const [i, result] of results.entries()) {
    assert.equal(result.code, 2, `${cases[i]!.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, /Usage: danube /);
  }
});
