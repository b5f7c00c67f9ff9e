// The subscription actions shared by `danube subscriptions` and upstream's `topics` spellings:
// list, describe, unsubscribe, failure policy and dispatch config.
import { type AdminClient, BackoffStrategy, DanubeError, PoisonPolicy } from "@danube-ts/client";
import type { Flags } from "./args.ts";
import type { Io } from "./io.ts";
import { listOutput, toJson } from "./output.ts";
import { failurePolicyJson, keyValueLines } from "./topic-tables.ts";

/** Flags of the subscription actions. */
export const subscriptionSpecs = {
  subscription: { type: "string", short: "s" },
  "max-redelivery-count": { type: "string" },
  "ack-timeout-ms": { type: "string" },
  "base-redelivery-delay-ms": { type: "string" },
  "max-redelivery-delay-ms": { type: "string" },
  "backoff-strategy": { type: "string" },
  "dead-letter-topic": { type: "string" },
  "poison-policy": { type: "string" },
  "max-unacked-messages": { type: "string" },
} as const;

const backoffs = { fixed: BackoffStrategy.Fixed, exponential: BackoffStrategy.Exponential } as const;
const poisons = {
  dead_letter: PoisonPolicy.DeadLetter,
  "dead-letter": PoisonPolicy.DeadLetter,
  block: PoisonPolicy.Block,
  drop: PoisonPolicy.Drop,
} as const;

function pick<T>(flags: Flags, name: string, table: Record<string, T>, fallback?: T): T {
  const raw = flags.string(name);
  if (raw === undefined)
    return fallback ?? flags.fail(`--${name} is required (${Object.keys(table).join(", ")})`);
  const found = table[raw.toLowerCase()];
  if (found === undefined)
    flags.fail(`--${name} must be one of ${Object.keys(table).join(", ")}, got "${raw}"`);
  return found;
}

function requiredInt(flags: Flags, name: string, min: number, max?: number): number {
  return flags.integer(name, min, max) ?? flags.fail(`--${name} is required`);
}

export async function listSubscriptions(
  admin: AdminClient,
  flags: Flags,
  io: Io,
  topic: string,
): Promise<void> {
  const names = await admin.listSubscriptions(topic);
  if (listOutput(flags) === "json") io.out(toJson(names, true));
  else for (const name of names) io.out(name);
}

export async function unsubscribe(admin: AdminClient, flags: Flags, io: Io, topic: string): Promise<void> {
  const subscription = flags.required("subscription");
  await admin.unsubscribe({ topic, subscription });
  io.out(`unsubscribed ${subscription} from ${topic}`);
}

export async function setFailurePolicy(
  admin: AdminClient,
  flags: Flags,
  io: Io,
  topic: string,
): Promise<void> {
  const subscription = flags.required("subscription");
  await admin.setSubscriptionFailurePolicy({
    topic,
    subscription,
    policy: {
      maxRedeliveryCount: requiredInt(flags, "max-redelivery-count", 0, 0xffffffff),
      ackTimeoutMs: requiredInt(flags, "ack-timeout-ms", 0),
      baseRedeliveryDelayMs: requiredInt(flags, "base-redelivery-delay-ms", 0),
      maxRedeliveryDelayMs: requiredInt(flags, "max-redelivery-delay-ms", 0),
      backoffStrategy: pick(flags, "backoff-strategy", backoffs, BackoffStrategy.Fixed),
      deadLetterTopic: flags.string("dead-letter-topic"),
      poisonPolicy: pick(flags, "poison-policy", poisons),
    },
  });
  io.out(`failure policy of ${topic} subscription ${subscription} updated`);
}

export async function getFailurePolicy(
  admin: AdminClient,
  flags: Flags,
  io: Io,
  topic: string,
): Promise<void> {
  const subscription = flags.required("subscription");
  const view = failurePolicyJson(
    topic,
    subscription,
    await admin.getSubscriptionFailurePolicy({ topic, subscription }),
  );
  if (listOutput(flags) === "json") io.out(toJson(view, true));
  else for (const line of keyValueLines(view)) io.out(line);
}

export async function setDispatchConfig(
  admin: AdminClient,
  flags: Flags,
  io: Io,
  topic: string,
): Promise<void> {
  const subscription = flags.required("subscription");
  const maxUnackedMessages = requiredInt(flags, "max-unacked-messages", 1, 10_000);
  await admin.setSubscriptionDispatchConfig({ topic, subscription, maxUnackedMessages });
  io.out(`dispatch config of ${topic} subscription ${subscription}: max ${maxUnackedMessages} unacked`);
}

export async function getDispatchConfig(
  admin: AdminClient,
  flags: Flags,
  io: Io,
  topic: string,
): Promise<void> {
  const subscription = flags.required("subscription");
  const config = await admin.getSubscriptionDispatchConfig({ topic, subscription });
  const view = { topic, subscription, max_unacked_messages: config?.maxUnackedMessages ?? null };
  if (listOutput(flags) === "json") io.out(toJson(view, true));
  else for (const line of keyValueLines(view)) io.out(line);
}

/** Everything the admin API knows about one subscription. */
export async function describeSubscription(
  admin: AdminClient,
  flags: Flags,
  io: Io,
  topic: string,
): Promise<void> {
  const subscription = flags.required("subscription");
  const names = await admin.listSubscriptions(topic);
  if (!names.includes(subscription)) {
    throw new DanubeError(
      "NOT_FOUND",
      `topic ${topic} has no subscription "${subscription}" (it has: ${names.join(", ") || "none"})`,
    );
  }
  const failure = failurePolicyJson(
    topic,
    subscription,
    await admin.getSubscriptionFailurePolicy({ topic, subscription }),
  );
  const dispatch = await admin.getSubscriptionDispatchConfig({ topic, subscription });
  const view = { ...failure, max_unacked_messages: dispatch?.maxUnackedMessages ?? null };
  if (listOutput(flags) === "json") io.out(toJson(view, true));
  else for (const line of keyValueLines(view)) io.out(line);
}
