// `danube topics <action>`: topics through the admin API, with upstream danube-admin's actions.
import {
  type AdminClient,
  connectSchemaRegistry,
  DispatchStrategy,
  type ValidationPolicy,
} from "@danube-ts/client";
import { splitAction, topicOf, withAdmin } from "../admin-command.ts";
import { type Flags, parseCommand } from "../args.ts";
import { adminConnection, adminUrlSpecs, cliRetry, keySpec, securitySpecs } from "../connection.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { listOutput, outputSpec, toJson } from "../output.ts";
import * as sub from "../subscription-actions.ts";
import { describeJson, describeText, keyValueLines, topicInfoJson } from "../topic-tables.ts";
import { topicsUsage } from "../usage-admin.ts";

const specs = {
  ...adminUrlSpecs,
  ...securitySpecs,
  ...keySpec,
  ...outputSpec,
  ...sub.subscriptionSpecs,
  namespace: { type: "string" },
  broker: { type: "string" },
  topic: { type: "string", short: "t" },
  partitions: { type: "string", short: "p" },
  reliable: { type: "boolean" },
  "dispatch-strategy": { type: "string" },
  "schema-subject": { type: "string" },
  subject: { type: "string" },
  "validation-policy": { type: "string" },
  policy: { type: "string" },
  "enable-payload-validation": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const actions = [
  "list",
  "create",
  "delete",
  "describe",
  "subscriptions",
  "unsubscribe",
  "set-failure-policy",
  "get-failure-policy",
  "set-dispatch-config",
  "get-dispatch-config",
  "unload",
  "configure-schema",
  "set-validation-policy",
  "get-schema-config",
] as const;
type Action = (typeof actions)[number];

const policies = ["none", "warn", "enforce"] as const;

function dispatchStrategy(flags: Flags): DispatchStrategy {
  const raw = flags.string("dispatch-strategy");
  if (raw === undefined)
    return flags.bool("reliable") ? DispatchStrategy.Reliable : DispatchStrategy.NonReliable;
  const normalized = raw.toLowerCase().replaceAll("-", "_");
  if (normalized === "reliable" || normalized === "reliable_dispatch") return DispatchStrategy.Reliable;
  if (normalized === "non_reliable" || normalized === "nonreliable") return DispatchStrategy.NonReliable;
  flags.fail(`--dispatch-strategy must be reliable or non_reliable, got "${raw}"`);
}

async function list(admin: AdminClient, flags: Flags, io: Io): Promise<void> {
  const broker = flags.string("broker");
  if (broker !== undefined && flags.has("namespace")) flags.fail("give --namespace or --broker, not both");
  const topics =
    broker === undefined
      ? await admin.listNamespaceTopics(flags.flagOrPositional("namespace", 0) ?? "default")
      : await admin.listBrokerTopics(broker);
  if (listOutput(flags) === "json") io.out(toJson(topics.map(topicInfoJson), true));
  else for (const t of topics) io.out(`${t.name}\t${topicInfoJson(t).delivery}`);
}

async function create(admin: AdminClient, flags: Flags, io: Io): Promise<void> {
  const name = topicOf(flags);
  const partitions = flags.integer("partitions", 1);
  const strategy = dispatchStrategy(flags);
  const schemaSubject = flags.string("schema-subject");
  if (partitions === undefined) await admin.createTopic({ name, dispatchStrategy: strategy, schemaSubject });
  else await admin.createPartitionedTopic({ name, partitions, dispatchStrategy: strategy, schemaSubject });
  const parts = partitions === undefined ? "" : ` with ${partitions} partitions`;
  io.out(`created ${name}${parts} (${strategy})${schemaSubject ? `, schema subject ${schemaSubject}` : ""}`);
}

async function describe(admin: AdminClient, flags: Flags, io: Io): Promise<void> {
  const description = await admin.describeTopic(topicOf(flags));
  if (listOutput(flags) === "json") io.out(toJson(describeJson(description), true));
  else for (const line of describeText(description)) io.out(line);
}

/** Topic schema settings live in the schema registry, which the admin listener serves too. */
async function schemaConfig(action: Action, flags: Flags, io: Io): Promise<void> {
  const topic = topicOf(flags);
  const { url, ...security } = adminConnection(flags);
  await using registry = connectSchemaRegistry({ serviceUrl: url, ...security, retry: cliRetry });
  const enablePayloadValidation = flags.bool("enable-payload-validation");
  if (action === "configure-schema") {
    const subject = flags.required("subject");
    const validationPolicy = flags.choice("validation-policy", policies, "none") as ValidationPolicy;
    await registry.configureTopicSchema({ topic, subject, validationPolicy, enablePayloadValidation });
    io.out(
      `${topic}: schema subject ${subject}, validation ${validationPolicy}, payload validation ${enablePayloadValidation ? "on" : "off"}`,
    );
  } else if (action === "set-validation-policy") {
    if (!flags.has("policy")) flags.fail("--policy is required (none, warn, enforce)");
    const validationPolicy = flags.choice("policy", policies, "none") as ValidationPolicy;
    await registry.updateTopicValidationPolicy({ topic, validationPolicy, enablePayloadValidation });
    io.out(
      `${topic}: validation ${validationPolicy}, payload validation ${enablePayloadValidation ? "on" : "off"}`,
    );
  } else {
    const config = await registry.getTopicSchemaConfig(topic);
    const view = {
      topic,
      schema_subject: config.subject ?? null,
      validation_policy: config.validationPolicy,
      enable_payload_validation: config.enablePayloadValidation,
      schema_id: config.schemaId,
    };
    if (listOutput(flags) === "json") io.out(toJson(view, true));
    else for (const line of keyValueLines(view)) io.out(line);
  }
}

export async function topicsCommand(argv: string[], io: Io): Promise<number> {
  const [action, rest] = splitAction(argv, actions, topicsUsage);
  const flags = parseCommand(rest, specs, topicsUsage, 1);
  if (action === "configure-schema" || action === "set-validation-policy" || action === "get-schema-config") {
    await schemaConfig(action, flags, io);
    return ExitCode.OK;
  }
  await withAdmin(flags, async (admin) => {
    switch (action) {
      case "list":
        return list(admin, flags, io);
      case "create":
        return create(admin, flags, io);
      case "describe":
        return describe(admin, flags, io);
      case "delete": {
        const name = topicOf(flags);
        await admin.deleteTopic(name);
        return io.out(`deleted ${name}`);
      }
      case "unload": {
        const name = topicOf(flags);
        await admin.unloadTopic(name);
        return io.out(`unloaded ${name}`);
      }
      case "subscriptions":
        return sub.listSubscriptions(admin, flags, io, topicOf(flags));
      case "unsubscribe":
        return sub.unsubscribe(admin, flags, io, topicOf(flags));
      case "set-failure-policy":
        return sub.setFailurePolicy(admin, flags, io, topicOf(flags));
      case "get-failure-policy":
        return sub.getFailurePolicy(admin, flags, io, topicOf(flags));
      case "set-dispatch-config":
        return sub.setDispatchConfig(admin, flags, io, topicOf(flags));
      case "get-dispatch-config":
        return sub.getDispatchConfig(admin, flags, io, topicOf(flags));
    }
  });
  return ExitCode.OK;
}
