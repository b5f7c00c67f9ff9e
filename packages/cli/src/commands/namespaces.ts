// `danube namespaces <action>`: namespaces through the admin API (upstream danube-admin's actions,
// plus `list`, which upstream has as `brokers namespaces`).

import { splitAction, withAdmin } from "../admin-command.ts";
import { parseCommand } from "../args.ts";
import { adminUrlSpecs, keySpec, securitySpecs } from "../connection.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { listOutput, outputSpec, toJson } from "../output.ts";
import { keyValueLines } from "../topic-tables.ts";
import { namespacesUsage } from "../usage-admin.ts";

const specs = {
  ...adminUrlSpecs,
  ...securitySpecs,
  ...keySpec,
  ...outputSpec,
  namespace: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const actions = ["list", "topics", "policies", "create", "delete"] as const;

export async function namespacesCommand(argv: string[], io: Io): Promise<number> {
  const [action, rest] = splitAction(argv, actions, namespacesUsage);
  const flags = parseCommand(rest, specs, namespacesUsage, 1);
  const json = listOutput(flags) === "json";
  const namespace = () => flags.requiredFlagOrPositional("namespace", 0);
  await withAdmin(flags, async (admin) => {
    switch (action) {
      case "list": {
        const names = await admin.listNamespaces();
        if (json) io.out(toJson(names, true));
        else for (const name of names) io.out(name);
        return;
      }
      case "topics": {
        const topics = (await admin.listNamespaceTopics(namespace())).map((t) => t.name);
        if (json) io.out(toJson(topics, true));
        else for (const name of topics) io.out(name);
        return;
      }
      case "policies": {
        const policies = await admin.getNamespacePolicies(namespace());
        if (json) io.out(toJson(policies, true));
        else for (const line of keyValueLines(policies)) io.out(line);
        return;
      }
      case "create": {
        const name = namespace();
        await admin.createNamespace(name);
        return io.out(`created namespace ${name}`);
      }
      case "delete": {
        const name = namespace();
        await admin.deleteNamespace(name);
        return io.out(`deleted namespace ${name}`);
      }
    }
  });
  return ExitCode.OK;
}
