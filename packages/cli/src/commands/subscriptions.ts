// `danube subscriptions <action>`: a topic's subscriptions through the admin API.

import { splitAction, topicOf, withAdmin } from "../admin-command.ts";
import { parseCommand } from "../args.ts";
import { adminUrlSpecs, keySpec, securitySpecs } from "../connection.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { outputSpec } from "../output.ts";
import * as sub from "../subscription-actions.ts";
import { subscriptionsUsage } from "../usage-admin.ts";

const specs = {
  ...adminUrlSpecs,
  ...securitySpecs,
  ...keySpec,
  ...outputSpec,
  ...sub.subscriptionSpecs,
  topic: { type: "string", short: "t" },
  namespace: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const actions = [
  "list",
  "describe",
  "unsubscribe",
  "set-failure-policy",
  "get-failure-policy",
  "set-dispatch-config",
  "get-dispatch-config",
] as const;

const run = {
  list: sub.listSubscriptions,
  describe: sub.describeSubscription,
  unsubscribe: sub.unsubscribe,
  "set-failure-policy": sub.setFailurePolicy,
  "get-failure-policy": sub.getFailurePolicy,
  "set-dispatch-config": sub.setDispatchConfig,
  "get-dispatch-config": sub.getDispatchConfig,
} as const;

export async function subscriptionsCommand(argv: string[], io: Io): Promise<number> {
  const [action, rest] = splitAction(argv, actions, subscriptionsUsage);
  const flags = parseCommand(rest, specs, subscriptionsUsage, 1);
  const topic = topicOf(flags);
  await withAdmin(flags, (admin) => run[action](admin, flags, io, topic));
  return ExitCode.OK;
}
