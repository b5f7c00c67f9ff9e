// The benchmark harness itself: option parsing, path detection, profile summary, rendering, and a
// smoke run of `npm run bench --rounds 2` with tiny counts (real broker child, real raw grpc-js server, and
// JetStream where nats-server is installed) that must print every table and write the JSON.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseBenchArgs } from "./args.ts";
import { natsServerVersion } from "./nats-server.ts";
import { afterWarmup } from "./phases.ts";
import { processCpuMicros, processRssBytes } from "./proc.ts";
import { type CpuProfile, summarize } from "./profile.ts";
import { renderMarkdown } from "./report.ts";
import type { RunResults } from "./results.ts";
import { detectPath, pathLabel, scrapeRpcCounts } from "./rpc-path.ts";

test("options: defaults, --quick, and bad values refused with a message", () => {
  const full = parseBenchArgs([]);
  assert.ok(full !== "help");
  assert.equal(full.backlog, 1_000_000);
  assert.equal(full.count, 1_000_000);
  assert.equal(full.publishSeconds, 3);
  assert.equal(full.consumeCount, 200_000);
  assert.deepEqual(full.transports, ["unary", "stream"]);
  assert.deepEqual(full.rates, [1000, 5000]);
  assert.equal(full.only.size, 7);
  const quick = parseBenchArgs(["--quick", "--only", "publish,nats", "--transport", "auto"]);
  assert.ok(quick !== "help");
  assert.equal(quick.backlog, 5000);
  assert.equal(quick.count, 500);
  assert.equal(quick.publishSeconds, 1);
  assert.equal(quick.consumeCount, 500);
  assert.equal(full.warmupSeconds, 2);
  assert.equal(quick.warmupSeconds, 0);
  assert.equal(full.publishWarmupSeconds, 1);
  assert.equal(quick.publishWarmupSeconds, 0);
  assert.deepEqual([...quick.only], ["publish", "nats"]);
  assert.deepEqual(quick.transports, ["auto"]);
  assert.throws(() => parseBenchArgs(["--only", "publish,speed"]), /--only: speed is not one of/);
  assert.throws(() => parseBenchArgs(["--transport", "grpc"]), /--transport: grpc/);
  assert.throws(() => parseBenchArgs(["--count=-1"]), /--count must be a positive number/);
  assert.throws(() => parseBenchArgs(["--warmup-s=-1"]), /--warmup-s must be a number >= 0/);
  assert.throws(() => parseBenchArgs(["--bogus"]));
  assert.equal(parseBenchArgs(["--help"]), "help");
});

test("latency percentiles leave out the warm-up's messages; counts keep them", () => {
  const run = {
    offeredRate: 100,
    issuedRate: 100,
    issued: 5,
    received: 5,
    receiveRate: 100,
    seconds: 0.05,
    publishToReceive: Float64Array.of(9, 9, 1, 2, 3),
    sendToReceive: Float64Array.of(8, 8, 1, 2, 3),
    capped: false,
    failures: 0,
  };
  const measured = afterWarmup(run, 2);
  assert.deepEqual([...measured.sendToReceive], [1, 2, 3]);
  assert.deepEqual([...measured.publishToReceive], [1, 2, 3]);
  assert.equal(measured.received, 5);
  assert.equal(afterWarmup(run, 9).sendToReceive.length, 0);
});

test("options: --rounds", () => {
  const one = parseBenchArgs([]);
  assert.ok(one !== "help");
  assert.equal(one.rounds, 1);
  assert.equal(one.latencyRounds, false);
  const three = parseBenchArgs(["--rounds", "3", "--latency-rounds"]);
  assert.ok(three !== "help");
  assert.equal(three.rounds, 3);
  assert.equal(three.latencyRounds, true);
  for (const bad of ["0", "1.5", "-2", "x"])
    assert.throws(() => parseBenchArgs([`--rounds=${bad}`]), /--rounds must be a whole number of at least 1/);
  assert.throws(() => parseBenchArgs(["--rounds", "2", "--profile"]), /--profile takes one round/);
  assert.throws(() => parseBenchArgs(["--latency-rounds"]), /--latency-rounds needs --rounds 2 or more/);
});

test("the path is told from the broker's unary RPC counts", async () => {
  const metrics = [
    "# TYPE danube_broker_rpc_total counter",
    'danube_broker_rpc_total{service="producer",method="send_message",result="ok"} 990',
    'danube_broker_rpc_total{service="producer",method="send_message",result="error"} 10',
    'danube_broker_rpc_total{service="consumer",method="ack",result="ok"} 3',
    'danube_topic_messages_in_total{topic="/default/x"} 1000',
  ].join("\n");
  const server = createServer((_req, res) => res.end(metrics));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as { port: number };
    const after = await scrapeRpcCounts(`http://127.0.0.1:${port}/metrics`);
    assert.equal(after?.get("send_message"), 1000);
    assert.equal(after?.get("ack"), 3);
    const before = new Map<string, number>();
    assert.equal(detectPath(before, after, "send_message", 1000), "unary");
    assert.equal(detectPath(before, after, "ack", 1000), "stream");
    assert.equal(detectPath(undefined, after, "ack", 1000), undefined);
    assert.equal(await scrapeRpcCounts(undefined), undefined);
  } finally {
    server.close();
  }
  assert.equal(pathLabel("stream", "stream"), "stream");
  assert.equal(pathLabel("stream", "unary"), "unary (asked stream)");
  assert.equal(pathLabel("auto", undefined), "auto (requested; not detected)");
});

test("profile summary: self time per category, native frames charged to their caller", () => {
  const frame = (functionName: string, url: string) => ({ functionName, url });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), children: [2, 4, 5, 6] },
      { id: 2, callFrame: frame("flush", "file:///x/packages/broker/src/storage/segment.ts"), children: [3] },
      { id: 3, callFrame: frame("fdatasync", "") },
      { id: 4, callFrame: frame("(garbage collector)", "") },
      { id: 5, callFrame: frame("(idle)", "") },
      {
        id: 6,
        callFrame: frame("sendUnaryMessage", "file:///x/node_modules/@grpc/grpc-js/build/src/client.js"),
      },
    ],
    samples: [3, 3, 4, 5, 5, 5, 6],
    timeDeltas: [100, 100, 100, 500, 500, 500, 200],
  };
  const s = summarize(profile);
  assert.equal(s.busyMicros, 500);
  assert.equal(s.shares.storage, 0.4);
  assert.equal(s.shares.GC, 0.2);
  assert.equal(s.shares["grpc/http2"], 0.4);
});

test("/proc readings of this process", { skip: process.platform !== "linux" && "Linux only" }, () => {
  assert.ok((processCpuMicros(process.pid) ?? 0) > 0);
  assert.ok((processRssBytes(process.pid) ?? 0) > 10e6);
  assert.equal(processCpuMicros(2 ** 22 + 12345), undefined);
});

test("the markdown has every section and states the targets", () => {
  const row = (
    key: string,
    figure: string,
    system: "danube" | "grpc-js" | "jetstream",
    rate: number,
    path = "",
  ) => ({
    key,
    figure,
    system,
    path,
    messages: 1000,
    seconds: 1000 / rate,
    msgsPerSec: rate,
    clientUsPerMsg: 100,
    serverUsPerMsg: 50,
    failures: 0,
    note: "",
  });
  const lat = (system: "danube" | "danube-no-fsync" | "jetstream", rate: number, p99: number, path = "") => ({
    key: `latency-${rate}`,
    system,
    path,
    offeredRate: rate,
    issuedRate: rate,
    receiveRate: rate,
    issued: 100,
    received: 100,
    publishToReceive: system === "jetstream" ? undefined : { p50: 1, p99 },
    sendToReceive: { p50: 1, p99, max: p99 },
    clientUsPerMsg: 10,
    serverUsPerMsg: 10,
    failures: 0,
    note: "",
  });
  const results: RunResults = {
    meta: { date: "d", machine: "m", node: "v20", broker: "b", nats: "n", settings: "s", argv: [] },
    throughput: [
      row("publish-64", "publish, 64 in flight", "danube", 50_000, "stream"),
      row("publish-64", "publish, 64 in flight", "danube", 9_000, "unary"),
      row("publish-64", "publish, 64 in flight", "jetstream", 20_000),
      row("consume-w1000", "consume + ack, window 1000", "danube", 80_000, "stream"),
      row("consume-w1000", "consume + ack, window 1000", "jetstream", 60_000),
      row("baseline-64", "unary calls, 64 in flight", "grpc-js", 10_000),
    ],
    latency: [
      lat("danube", 5000, 8, "stream"),
      lat("danube", 1000, 3, "stream"),
      lat("danube-no-fsync", 1000, 1.5, "stream"),
      lat("jetstream", 5000, 4),
    ],
    backlog: {
      count: 1_000_000,
      written: 1_000_000,
      writeSeconds: 20,
      read: 1_000_000,
      readSeconds: 10,
      writeRss: { samples: 9, min: 100e6, max: 200e6, last: 150e6 },
      readRss: { samples: 9, min: 100e6, max: 210e6, last: 150e6 },
      dataBytes: 1.1e9,
      emptyStartMs: 1000,
      restartMs: 2100,
      processRestartMs: 3000,
      writeCpu: { clientMicros: 1e6, serverMicros: 1e6 },
      readCpu: { clientMicros: 1e6, serverMicros: undefined },
    },
    profile: [],
    skipped: ["JetStream with sync always: refused"],
  };
  const md = renderMarkdown(results);
  for (const heading of [
    "#### Targets",
    "#### Throughput",
    "#### Publish-to-receive latency",
    "#### danube against JetStream",
    "#### Unary path against raw grpc-js",
    "#### Backlog memory and restart recovery",
  ]) {
    assert.ok(md.includes(heading), `missing ${heading}`);
  }
  assert.match(md, /\| publish, 64 in flight >= 47k msgs\/s\s*\|\s*50,000\s*\|\s*yes\s*\|/);
  assert.match(md, /\| publish, 64 in flight >= 1\.5x JetStream\s*\|\s*2\.50x\s*\|\s*yes\s*\|/);
  // The row without fdatasync is shown, and is not what the target is checked against.
  assert.match(md, /\| p99 < 2 ms at 1,000 msgs\/s\s*\|\s*3\.00 ms\s*\|\s*no\s*\|/);
  assert.match(md, /\|\s*1,000 \| danube-ts without fdatasync \(bench only\), stream \|/);
  assert.match(md, /\| unary path >= 90% of raw grpc-js \(64 in flight\)\s*\|\s*90%\s*\|\s*yes\s*\|/);
  assert.match(md, /\| restart recovery < 2 s per GB\s*\|\s*1\.00 s\/GB\s*\|\s*yes\s*\|/);
  assert.match(
    md,
    /\| consume \+ ack, window 1000\s*\|\s*stream\s*\|\s*JetStream \(default sync\)\s*\|\s*80,000 msgs\/s\s*\|\s*60,000 msgs\/s\s*\|\s*1\.33x\s*\|/,
  );
  assert.match(md, /- skipped: JetStream with sync always/);
});

const root = fileURLToPath(new URL("..", import.meta.url));
const withNats = natsServerVersion() !== undefined;

test(`npm run bench --rounds 2 with tiny counts prints every table and writes the JSON${withNats ? " (JetStream too)" : ""}`, {
  timeout: 240_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "danube-bench-test-"));
  try {
    const json = join(dir, "out.json");
    const only = `publish,consume,latency,nofsync,baseline${withNats ? ",nats" : ""}`;
    const args = [
      "--only",
      only,
      "--transport",
      "unary",
      "--count",
      "30",
      "--consume-count",
      "30",
      "--latency-s",
      "0.2",
      "--warmup-s",
      "0.1",
      "--rate",
      "100",
      "--rounds",
      "2",
    ];
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          "--conditions=@danube-ts/source",
          "--import",
          "tsx",
          join(root, "bench/publish-consume.ts"),
          ...args,
          "--json",
          json,
        ],
        { cwd: root, timeout: 230_000 },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
      );
    });
    for (const heading of [
      "#### Targets",
      "#### Throughput",
      "#### Publish-to-receive latency",
      "#### Unary path",
      "#### Throughput in each round",
    ]) {
      assert.ok(stdout.includes(heading), `missing ${heading} in:\n${stdout}`);
    }
    if (withNats) assert.ok(stdout.includes("#### danube against JetStream"), stdout);
    const results = JSON.parse(await readFile(json, "utf8")) as RunResults;
    // --render prints what the run printed.
    assert.ok(stdout.includes(renderMarkdown(results)));
    const danube = results.throughput.filter((r) => r.system === "danube");
    const keys = ["publish-1", "publish-64", "publish-1024", "consume-w10", "consume-w1000"];
    assert.deepEqual(
      danube.map((r) => `${r.round} ${r.key}`),
      [...keys.map((k) => `1 ${k}`), ...keys.map((k) => `2 ${k}`)],
    );
    // Round 1 runs the baseline just before the unary path's figure, round 2 just after it.
    const seq = (round: number, key: string, system: string) =>
      results.throughput.find((r) => r.round === round && r.key === key && r.system === system)!.seq!;
    assert.equal(seq(1, "publish-64", "danube") - seq(1, "baseline-64", "grpc-js"), 1);
    assert.equal(seq(2, "baseline-64", "grpc-js") - seq(2, "publish-64", "danube"), 1);
    assert.equal(results.medians?.throughput.find((g) => g.key === "publish-64")?.rounds.length, 2);
    for (const r of danube) {
      assert.equal(r.messages, 30, `${r.key} moved every message`);
      assert.equal(r.failures, 0);
      // Today's client sends one unary call per message; after the stream merge this row stays unary.
      assert.equal(r.path, "unary");
      assert.ok((r.clientUsPerMsg ?? 0) > 0 && (r.serverUsPerMsg ?? -1) >= 0, `${r.key} has CPU per message`);
    }
    assert.equal(results.throughput.filter((r) => r.system === "grpc-js").length, 6);
    // Latency runs in the first round only.
    const latency = results.latency.filter((r) => r.system === "danube");
    assert.equal(latency.length, 1);
    assert.equal(latency[0]!.round, 1);
    // 10 warm-up messages, then 20 measured: the counts cover both.
    assert.equal(latency[0]!.received, 30);
    // The same figure against the second broker, whose fdatasync returns at once.
    const noFsync = results.latency.filter((r) => r.system === "danube-no-fsync");
    assert.deepEqual(
      noFsync.map((r) => [r.round, r.received, r.path]),
      [[1, 30, "unary"]],
    );
    assert.ok(stdout.includes("danube-ts without fdatasync (bench only), unary"), stdout);
    if (withNats) assert.ok(results.throughput.some((r) => r.system === "jetstream" && r.messages === 30));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
