// `danube consume`: prints and acknowledges messages until --count or a stop signal.
import { randomBytes } from "node:crypto";
import type { Message } from "@danube-ts/client";
import { createClient, SubscriptionType } from "@danube-ts/client";
import { Flags, parseFlags } from "../args.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { onStopSignal } from "../signals.ts";
import { consumeUsage } from "../usage.ts";

const specs = {
  "service-url": { type: "string", short: "s" },
  topic: { type: "string", short: "t" },
  subscription: { type: "string", short: "S" },
  consumer: { type: "string", short: "n" },
  type: { type: "string" },
  count: { type: "string", short: "c" },
  help: { type: "boolean", short: "h" },
} as const;

const subscriptionTypes = Object.values(SubscriptionType);

/** One line per message: fields first, payload text last. */
export function formatMessage(msg: Message, index: number): string {
  const parts = [`#${index}`, `topic=${msg.topic}`, `offset=${msg.id.topicOffset}`];
  parts.push(`publish_time=${msg.publishTime}`);
  if (msg.routingKey !== undefined && msg.routingKey !== "") parts.push(`key=${msg.routingKey}`);
  if (Object.keys(msg.attributes).length > 0) parts.push(`attrs=${JSON.stringify(msg.attributes)}`);
  return `${parts.join(" ")} payload=${msg.text()}`;
}

export async function consumeCommand(argv: string[], io: Io): Promise<number> {
  const flags = new Flags(parseFlags(argv, specs, consumeUsage), consumeUsage);
  if (flags.bool("help")) {
    io.out(consumeUsage);
    return ExitCode.OK;
  }
  const serviceUrl = flags.required("service-url");
  const topic = flags.required("topic");
  const subscription = flags.required("subscription");
  const consumerName = flags.string("consumer") ?? `danube-cli-consumer-${randomBytes(4).toString("hex")}`;
  const subscriptionType = flags.choice("type", subscriptionTypes, SubscriptionType.Shared);
  const count = flags.integer("count", 1);

  const stop = onStopSignal();
  const client = createClient({ serviceUrl });
  let received = 0;
  try {
    const consumer = await client.subscribe({
      topic,
      subscription,
      consumerName,
      subscriptionType,
      signal: stop.signal,
    });
    // Closing the consumer ends the iteration below.
    const onStop = () => {
      void consumer.close().catch(() => {});
    };
    stop.signal.addEventListener("abort", onStop, { once: true });
    io.err(
      `subscribed to ${topic} as ${subscription} (${subscriptionType}, consumer ${consumerName}); waiting for messages`,
    );
    try {
      for await (const msg of consumer) {
        received++;
        io.out(formatMessage(msg, received));
        await msg.ack();
        if (count !== undefined && received >= count) break;
      }
    } finally {
      stop.signal.removeEventListener("abort", onStop);
      await consumer.close();
    }
    io.err(`consumed ${received} message(s)`);
    return ExitCode.OK;
  } catch (err) {
    if (stop.signal.aborted) {
      io.err(`interrupted by ${stop.received ?? "signal"} after ${received} message(s)`);
      return ExitCode.OK;
    }
    throw err;
  } finally {
    stop.dispose();
    await client.close();
  }
}
