// `danube consume`: prints and acknowledges messages until --count or a stop signal.
import { randomBytes } from "node:crypto";
import type { ClientStatus, DanubeClient, Message } from "@danube-ts/client";
import { createClient, SubscriptionType } from "@danube-ts/client";
import { type Flags, parseCommand } from "../args.ts";
import { cliRetry, keySpec, securitySpecs, serviceConnection, serviceUrlSpecs } from "../connection.ts";
import { errorWords } from "../error-words.ts";
import { ExitCode, signalExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { type ConsumeOutput, consumeOutputs, type Decoded, jsonLine, textLine } from "../message-output.ts";
import { defaultMaxPayloadChars } from "../payload-format.ts";
import { MessageDecoder } from "../schema-decoding.ts";
import { onStopSignal } from "../signals.ts";
import { consumeUsage } from "../usage.ts";

const specs = {
  ...serviceUrlSpecs,
  ...securitySpecs,
  ...keySpec,
  topic: { type: "string", short: "t" },
  subscription: { type: "string", short: "m" },
  sub: { type: "string", short: "S" },
  consumer: { type: "string", short: "n" },
  type: { type: "string" },
  "sub-type": { type: "string" },
  count: { type: "string", short: "c" },
  output: { type: "string", short: "o" },
  "max-payload": { type: "string" },
  "no-schema": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Subscription type names: ours (the client's) and upstream's clap spellings. */
const typeNames: Readonly<Record<string, SubscriptionType>> = {
  exclusive: SubscriptionType.Exclusive,
  shared: SubscriptionType.Shared,
  failover: SubscriptionType.Failover,
  "fail-over": SubscriptionType.Failover,
  keyshared: SubscriptionType.KeyShared,
  "key-shared": SubscriptionType.KeyShared,
  key_shared: SubscriptionType.KeyShared,
};

function subscriptionType(flags: Flags): SubscriptionType {
  const raw = flags.oneOf("type", "sub-type");
  if (raw === undefined) return SubscriptionType.Shared;
  const found = typeNames[raw.toLowerCase()];
  if (found === undefined)
    flags.fail(`--type must be Exclusive, Shared, Failover or KeyShared, got "${raw}"`);
  return found;
}

/** Prints the client's reconnect state on stderr until the client closes. */
async function reportStatus(client: DanubeClient, io: Io): Promise<void> {
  for await (const status of client.status()) {
    const line = statusLine(status);
    if (line !== undefined) io.err(line);
  }
}

function statusLine(status: ClientStatus): string | undefined {
  switch (status.type) {
    case "reconnecting": {
      const why = status.cause === undefined ? status.reason : errorWords(status.cause).message;
      return `connection lost on ${status.topic}; reconnecting (attempt ${status.attempt}): ${why}`;
    }
    case "reconnected":
      return `reconnected to ${status.topic} after ${status.attempt} attempt(s)`;
    case "error":
      return `error on ${status.topic} (still retrying): ${errorWords(status.cause).message}`;
    case "closed":
      return undefined;
  }
}

export async function consumeCommand(argv: string[], io: Io): Promise<number> {
  const flags = parseCommand(argv, specs, consumeUsage);
  if (flags.bool("help")) {
    io.out(consumeUsage);
    return ExitCode.OK;
  }
  const { url: serviceUrl, ...security } = serviceConnection(flags);
  const topic = flags.required("topic");
  const subscription = flags.oneOf("subscription", "sub") ?? flags.fail("--subscription (-m) is required");
  const consumerName = flags.string("consumer") ?? `danube-cli-consumer-${randomBytes(4).toString("hex")}`;
  const type = subscriptionType(flags);
  const count = flags.integer("count", 1);
  const output: ConsumeOutput = flags.choice("output", consumeOutputs, "text");
  const maxChars = flags.integer("max-payload", 0) ?? defaultMaxPayloadChars;
  const decodeSchemas = !flags.bool("no-schema") && output !== "raw";

  const stop = onStopSignal();
  const client = createClient({ serviceUrl, ...security, retry: cliRetry });
  const statusDone = reportStatus(client, io).catch(() => {});
  const decoder = new MessageDecoder(client.schema, (line) => io.err(`warning: ${line}`));
  const print = async (msg: Message, index: number) => {
    const decoded: Decoded | undefined = decodeSchemas ? await decoder.decode(msg) : undefined;
    if (output === "raw") io.outBytes(msg.payload, "\n");
    else io.out(output === "json" ? jsonLine(msg, decoded) : textLine(msg, index, decoded, maxChars));
  };
  let received = 0;
  try {
    const consumer = await client.subscribe({
      topic,
      subscription,
      consumerName,
      subscriptionType: type,
      signal: stop.signal,
    });
    // Closing the consumer ends the iteration below.
    const onStop = () => {
      void consumer.close().catch(() => {});
    };
    stop.signal.addEventListener("abort", onStop, { once: true });
    io.err(
      `subscribed to ${topic} as ${subscription} (${type}, consumer ${consumerName}); waiting for messages`,
    );
    try {
      for await (const msg of consumer) {
        received++;
        await print(msg, received);
        await msg.ack();
        if (count !== undefined && received >= count) break;
      }
    } finally {
      stop.signal.removeEventListener("abort", onStop);
      await consumer.close();
    }
    if (stop.signal.aborted) {
      io.err(`interrupted by ${stop.received ?? "signal"} after ${received} message(s)`);
      return signalExitCode(stop.received);
    }
    io.err(`consumed ${received} message(s)`);
    return ExitCode.OK;
  } catch (err) {
    if (stop.signal.aborted) {
      io.err(`interrupted by ${stop.received ?? "signal"} after ${received} message(s)`);
      return signalExitCode(stop.received);
    }
    throw err;
  } finally {
    stop.dispose();
    await client.close();
    await statusDone;
  }
}
