// `danube produce`: sends --count messages to a topic, one after the other.
import { randomBytes } from "node:crypto";
import { createClient, DispatchStrategy } from "@danube-ts/client";
import { Flags, parseFlags } from "../args.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { onStopSignal } from "../signals.ts";
import { produceUsage } from "../usage.ts";

const specs = {
  "service-url": { type: "string", short: "s" },
  topic: { type: "string", short: "t" },
  count: { type: "string", short: "c" },
  message: { type: "string", short: "m" },
  producer: { type: "string", short: "p" },
  reliable: { type: "boolean" },
  partitions: { type: "string" },
  key: { type: "string", short: "k" },
  attr: { type: "string", short: "a", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

export async function produceCommand(argv: string[], io: Io): Promise<number> {
  const flags = new Flags(parseFlags(argv, specs, produceUsage), produceUsage);
  if (flags.bool("help")) {
    io.out(produceUsage);
    return ExitCode.OK;
  }
  const serviceUrl = flags.required("service-url");
  const topic = flags.required("topic");
  const count = flags.integer("count", 1) ?? 1;
  const partitions = flags.integer("partitions", 1);
  const message = flags.string("message") ?? "Hello Danube";
  const key = flags.string("key");
  const attributes = flags.keyValues("attr");
  const name = flags.string("producer") ?? `danube-cli-producer-${randomBytes(4).toString("hex")}`;
  const dispatchStrategy = flags.bool("reliable") ? DispatchStrategy.Reliable : DispatchStrategy.NonReliable;

  const stop = onStopSignal();
  const client = createClient({ serviceUrl });
  try {
    const producer = await client.createProducer({
      topic,
      name,
      partitions,
      dispatchStrategy,
      signal: stop.signal,
    });
    io.err(
      `producer ${name} on ${topic} (${dispatchStrategy}${partitions ? `, ${partitions} partitions` : ""})`,
    );
    let sent = 0;
    try {
      for (; sent < count && !stop.signal.aborted; sent++) {
        const receipt = await producer.send(message, { attributes, key, signal: stop.signal });
        io.out(`sent ${sent + 1}/${count} topic=${receipt.topic} request_id=${receipt.requestId}`);
      }
    } finally {
      await producer.close();
    }
    io.err(`produced ${sent} message(s) to ${topic}`);
    return ExitCode.OK;
  } catch (err) {
    if (stop.signal.aborted) {
      io.err(`interrupted by ${stop.received ?? "signal"}`);
      return ExitCode.OK;
    }
    throw err;
  } finally {
    stop.dispose();
    await client.close();
  }
}
