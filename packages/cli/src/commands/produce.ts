// `danube produce`: sends payloads (an argument, --file or stdin) to a topic, many in flight.
import { randomBytes } from "node:crypto";
import type { Producer, SchemaBindingOptions, SchemaType, SendReceipt } from "@danube-ts/client";
import { createClient, DispatchStrategy } from "@danube-ts/client";
import { type Flags, parseCommand } from "../args.ts";
import { cliRetry, securitySpecs, serviceConnection, serviceUrlSpecs } from "../connection.ts";
import { ExitCode, signalExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import {
  filePayloads,
  type PayloadSource,
  type SendOn,
  stdinPayloads,
  textPayload,
} from "../payload-source.ts";
import { schemaTypes, serdeFor, valueFromPayload } from "../schema-values.ts";
import { defaultMaxInFlight, rate, sendPipelined } from "../send-pipeline.ts";
import { onStopSignal } from "../signals.ts";
import { produceUsage } from "../usage.ts";

const specs = {
  ...serviceUrlSpecs,
  ...securitySpecs,
  topic: { type: "string", short: "t" },
  count: { type: "string", short: "c" },
  message: { type: "string", short: "m" },
  file: { type: "string", short: "f" },
  "send-on": { type: "string" },
  "producer-name": { type: "string", short: "n" },
  producer: { type: "string" },
  reliable: { type: "boolean" },
  partitions: { type: "string", short: "p" },
  key: { type: "string", short: "k" },
  attributes: { type: "string", short: "a", multiple: true },
  attr: { type: "string", multiple: true },
  interval: { type: "string", short: "i" },
  "max-in-flight": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  "schema-subject": { type: "string" },
  "schema-version": { type: "string" },
  "schema-min-version": { type: "string" },
  "schema-file": { type: "string" },
  "schema-type": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Sent counts from this size on get a rate in the summary. */
const rateFrom = 100;

/** Where the payloads come from, checked against the other flags. */
async function payloadSource(flags: Flags): Promise<PayloadSource> {
  const message = flags.oneOf("message") ?? flags.positionals[0];
  if (flags.string("message") !== undefined && flags.positionals[0] !== undefined) {
    flags.fail("give the payload once: as an argument or with --message");
  }
  const file = flags.string("file");
  if (message !== undefined && file !== undefined) flags.fail("give either a payload or --file, not both");
  const sendOn = flags.has("send-on")
    ? flags.choice("send-on", ["newline", "eof"] as const, "newline")
    : undefined;
  const count = flags.integer("count", 1);
  if (message !== undefined) {
    if (sendOn !== undefined) flags.fail("--send-on applies to --file and stdin only");
    return textPayload(message, count ?? 1);
  }
  const lines = (sendOn ?? (file === undefined || file === "-" ? "newline" : "eof")) === "newline";
  if (lines && count !== undefined) {
    flags.fail("--count repeats one payload; line input sends each line once (use --send-on eof)");
  }
  const mode: SendOn = lines ? "newline" : "eof";
  if (file !== undefined) return filePayloads(file, mode, count ?? 1);
  if (process.stdin.isTTY) {
    flags.fail("no payload: give one as an argument, with --message or --file, or pipe it into stdin");
  }
  return stdinPayloads(mode, count ?? 1);
}

/** The producer's schema option from --schema-subject / --schema-file, resolved against the registry. */
async function schemaOption(
  flags: Flags,
  topic: string,
  registry: { getLatestSchema(subject: string): Promise<{ schemaType: SchemaType; definition: string }> },
  readSchemaFile: (path: string) => Promise<string>,
): Promise<{ binding: SchemaBindingOptions<unknown>; type: SchemaType } | undefined> {
  const subject = flags.string("schema-subject");
  const file = flags.string("schema-file");
  const pinned = flags.integer("schema-version", 1);
  const minVersion = flags.integer("schema-min-version", 1);
  if (pinned !== undefined && minVersion !== undefined) {
    flags.fail("give --schema-version or --schema-min-version, not both");
  }
  if (file === undefined) {
    if (flags.has("schema-type")) flags.fail("--schema-type goes with --schema-file");
    if (subject === undefined) {
      if (pinned !== undefined || minVersion !== undefined)
        flags.fail("--schema-version needs --schema-subject");
      return undefined;
    }
  }
  const version = pinned !== undefined ? { pinned } : minVersion !== undefined ? { minVersion } : "latest";
  if (file !== undefined) {
    if (!flags.has("schema-type")) flags.fail("--schema-type is required with --schema-file");
    const type = flags.choice("schema-type", schemaTypes, "json_schema");
    // Upstream derives the subject from the topic: /default/orders -> default-orders.
    const name = subject ?? topic.replace(/^\/+/, "").replaceAll("/", "-");
    const serde = serdeFor(type, await readSchemaFile(file));
    return {
      type,
      binding: { subject: name, serde, version, autoRegister: { createdBy: "danube-cli" } },
    };
  }
  const latest = await registry.getLatestSchema(subject!);
  const serde = serdeFor(latest.schemaType, latest.definition);
  return { type: latest.schemaType, binding: { subject: subject!, serde, version } };
}

export async function produceCommand(argv: string[], io: Io): Promise<number> {
  const flags = parseCommand(argv, specs, produceUsage, 1);
  if (flags.bool("help")) {
    io.out(produceUsage);
    return ExitCode.OK;
  }
  const { url: serviceUrl, ...security } = serviceConnection(flags, { keyFlag: false });
  const topic = flags.required("topic");
  const partitions = flags.integer("partitions", 1);
  const key = flags.string("key");
  const attributes = flags.keyValues("attr", flags.keyValueLists("attributes"));
  const name =
    flags.oneOf("producer-name", "producer") ?? `danube-cli-producer-${randomBytes(4).toString("hex")}`;
  const dispatchStrategy = flags.bool("reliable") ? DispatchStrategy.Reliable : DispatchStrategy.NonReliable;
  const intervalMs = flags.integer("interval", 0);
  const maxInFlight = flags.integer("max-in-flight", 1, 100_000) ?? defaultMaxInFlight;
  const quiet = flags.bool("quiet");
  const source = await payloadSource(flags);

  const stop = onStopSignal();
  const client = createClient({ serviceUrl, ...security, retry: cliRetry });
  try {
    const { readFile } = await import("node:fs/promises");
    const schema = await schemaOption(flags, topic, client.schema, (p) => readFile(p, "utf8"));
    const common = { topic, name, partitions, dispatchStrategy, signal: stop.signal };
    const producer: Producer<unknown> = await (schema === undefined
      ? client.createProducer(common)
      : client.createProducer({ ...common, schema: schema.binding }));
    const schemaNote = schema === undefined ? "" : `, schema subject ${schema.binding.subject}`;
    io.err(
      `producer ${name} on ${topic} (${dispatchStrategy}${partitions ? `, ${partitions} partitions` : ""}${schemaNote})`,
    );
    const total = source.total === undefined ? "" : `/${source.total}`;
    const payloads = schema === undefined ? source.messages() : mapValues(source.messages(), schema.type);
    const progress = process.stderr.isTTY
      ? (sent: number, ms: number) => process.stderr.write(`\rsent ${sent}${total} in ${rate(sent, ms)}   `)
      : (sent: number, ms: number) => io.err(`progress: sent ${sent}${total} in ${rate(sent, ms)}`);
    let result: Awaited<ReturnType<typeof sendPipelined>>;
    try {
      result = await sendPipelined(payloads, (payload) => producer.send(payload, { attributes, key }), {
        maxInFlight,
        intervalMs,
        signal: stop.signal,
        onSent: (index: number, receipt: SendReceipt) => {
          if (!quiet) io.out(`sent ${index}${total} topic=${receipt.topic} request_id=${receipt.requestId}`);
        },
        onProgress: progress,
      });
    } finally {
      await producer.close();
    }
    if (process.stderr.isTTY && result.elapsedMs >= 1000) process.stderr.write("\n");
    const summary = `produced ${result.sent} message(s) to ${topic}`;
    const speed = result.sent >= rateFrom ? ` in ${rate(result.sent, result.elapsedMs)}` : "";
    if (stop.signal.aborted) {
      io.err(`${summary}${speed}; interrupted by ${stop.received ?? "signal"}`);
      return signalExitCode(stop.received);
    }
    if (result.error !== undefined) {
      io.err(`${summary}${speed} before a send failed`);
      throw result.error;
    }
    io.err(`${summary}${speed}`);
    return ExitCode.OK;
  } catch (err) {
    if (stop.signal.aborted) {
      io.err(`interrupted by ${stop.received ?? "signal"}`);
      return signalExitCode(stop.received);
    }
    throw err;
  } finally {
    stop.dispose();
    await client.close();
  }
}

async function* mapValues(payloads: AsyncIterable<Uint8Array>, type: SchemaType): AsyncIterable<unknown> {
  for await (const payload of payloads) yield valueFromPayload(type, payload);
}
