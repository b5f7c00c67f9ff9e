// `danube brokers <action>`: the broker through the admin API. The cluster actions of upstream
// danube-admin (unload, activate, balance, rebalance) have nothing to act on in a standalone
// broker, which answers them as upstream's standalone mode does.
import { DanubeError } from "@danube-ts/client";
import { splitAction, withAdmin } from "../admin-command.ts";
import { parseCommand } from "../args.ts";
import { adminUrlSpecs, keySpec, securitySpecs } from "../connection.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { listOutput, outputSpec, toJson } from "../output.ts";
import { keyValueLines } from "../topic-tables.ts";
import { brokersUsage } from "../usage-admin.ts";

const specs = {
  ...adminUrlSpecs,
  ...securitySpecs,
  ...keySpec,
  ...outputSpec,
  help: { type: "boolean", short: "h" },
} as const;

const actions = [
  "list",
  "describe",
  "leader-broker",
  "namespaces",
  "unload",
  "activate",
  "balance",
  "rebalance",
] as const;

export async function brokersCommand(argv: string[], io: Io): Promise<number> {
  const [action, rest] = splitAction(argv, actions, brokersUsage);
  if (action === "unload" || action === "activate" || action === "balance" || action === "rebalance") {
    throw new DanubeError(
      "UNIMPLEMENTED",
      `brokers ${action} acts on a cluster; this standalone broker is the whole cluster (see docs/cli.md)`,
    );
  }
  const flags = parseCommand(rest, specs, brokersUsage);
  const json = listOutput(flags) === "json";
  await withAdmin(flags, async (admin) => {
    if (action === "leader-broker") {
      const leader = await admin.getLeaderBroker();
      return io.out(json ? toJson({ leader }, true) : `leader broker: ${leader}`);
    }
    if (action === "namespaces") {
      const names = await admin.listNamespaces();
      if (json) io.out(toJson(names, true));
      else for (const name of names) io.out(name);
      return;
    }
    const brokers = (await admin.listBrokers()).map((b) => ({
      broker_id: b.brokerId,
      broker_status: b.status,
      broker_addr: b.brokerUrl,
      broker_role: b.brokerRole,
      admin_addr: b.adminUrl,
      metrics_addr: b.metricsUrl,
    }));
    if (action === "list") {
      if (json) io.out(toJson(brokers, true));
      else
        for (const b of brokers)
          io.out(`${b.broker_id}\t${b.broker_status}\t${b.broker_addr}\t${b.admin_addr}`);
      return;
    }
    // describe: the broker this admin URL reaches, with its leader and namespaces.
    const view = {
      ...(brokers[0] ?? {}),
      leader: await admin.getLeaderBroker(),
      namespaces: await admin.listNamespaces(),
    };
    if (json) io.out(toJson(view, true));
    else for (const line of keyValueLines({ ...view, namespaces: view.namespaces.join(", ") })) io.out(line);
  });
  return ExitCode.OK;
}
