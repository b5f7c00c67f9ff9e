// `danube topics <action>`: list, create, describe and delete topics through the admin API.
import { createAdminClient, DispatchStrategy } from "@danube-ts/client";
import { Flags, parseFlags, UsageError } from "../args.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { topicsUsage } from "../usage.ts";

const specs = {
  "admin-url": { type: "string", short: "a" },
  namespace: { type: "string" },
  topic: { type: "string", short: "t" },
  partitions: { type: "string" },
  reliable: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const actions = ["list", "create", "describe", "delete"] as const;
type Action = (typeof actions)[number];

export async function topicsCommand(argv: string[], io: Io): Promise<number> {
  const [action, ...rest] = argv;
  if (!actions.includes(action as Action)) {
    throw new UsageError(`expected one of ${actions.join(", ")}, got "${action ?? ""}"`, topicsUsage);
  }
  const flags = new Flags(parseFlags(rest, specs, topicsUsage), topicsUsage);
  const admin = createAdminClient({ adminUrl: flags.string("admin-url") ?? "http://127.0.0.1:50051" });
  try {
    switch (action as Action) {
      case "list": {
        for (const topic of await admin.listNamespaceTopics(flags.string("namespace") ?? "default")) {
          io.out(`${topic.name}\t${topic.dispatchStrategy}`);
        }
        break;
      }
      case "create": {
        const name = flags.required("topic");
        const partitions = flags.integer("partitions", 1);
        const dispatchStrategy = flags.bool("reliable")
          ? DispatchStrategy.Reliable
          : DispatchStrategy.NonReliable;
        if (partitions === undefined) await admin.createTopic({ name, dispatchStrategy });
        else await admin.createPartitionedTopic({ name, partitions, dispatchStrategy });
        io.out(
          `created ${name}${partitions === undefined ? "" : ` with ${partitions} partitions`} (${dispatchStrategy})`,
        );
        break;
      }
      case "describe": {
        const topic = await admin.describeTopic(flags.required("topic"));
        io.out(JSON.stringify(topic, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v), 2));
        break;
      }
      case "delete": {
        const name = flags.required("topic");
        await admin.deleteTopic(name);
        io.out(`deleted ${name}`);
        break;
      }
    }
    return ExitCode.OK;
  } finally {
    await admin.close();
  }
}
