// Shared plumbing of the admin commands (namespaces, topics, subscriptions, brokers): the action
// word, the admin connection, topic names in upstream's accepted forms.
import type { AdminClient } from "@danube-ts/client";
import { createAdminClient } from "@danube-ts/client";
import { type Flags, UsageError } from "./args.ts";
import { adminConnection } from "./connection.ts";

/** Splits `<action> [args]`, failing with the usage when the action is unknown. */
export function splitAction<A extends string>(
  argv: string[],
  actions: readonly A[],
  usage: string,
): [A, string[]] {
  const [action, ...rest] = argv;
  if (!actions.includes(action as A)) {
    throw new UsageError(`expected one of ${actions.join(", ")}, got "${action ?? ""}"`, usage);
  }
  return [action as A, rest];
}

/** Runs `fn` with an admin client on --admin-url / --endpoint / $DANUBE_ADMIN_ENDPOINT, with its TLS and token. */
export async function withAdmin<T>(flags: Flags, fn: (admin: AdminClient) => Promise<T>): Promise<T> {
  const { url, ...security } = adminConnection(flags);
  const admin = createAdminClient({ adminUrl: url, ...security });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/**
 * The topic of an admin command (argument or --topic) as `/namespace/topic`. Accepts, as upstream
 * does, `/ns/topic`, `ns/topic`, and `topic` with --namespace.
 */
export function topicOf(flags: Flags, index = 0): string {
  const raw = flags.requiredFlagOrPositional("topic", index).trim();
  if (raw.startsWith("/")) return raw;
  const parts = raw.split("/");
  if (parts.length === 2) return `/${raw}`;
  if (parts.length === 1) {
    const namespace =
      flags.string("namespace") ??
      flags.fail(`topic "${raw}" has no namespace: give /namespace/${raw} or --namespace`);
    return `/${namespace}/${raw}`;
  }
  flags.fail(`topic must be /namespace/topic, got "${raw}"`);
}
