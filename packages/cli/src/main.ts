// `danube <command>`: dispatches to a command and turns its outcome into an exit code.
// Commands are imported on use, so `--help`, `--version` and usage errors stay fast and do not
// load gRPC, the client or the broker.
import { UsageError } from "./args.ts";
import { ExitCode } from "./exit-codes.ts";
import { type Io, processIo } from "./io.ts";
import { brokerUsage, consumeUsage, mainUsage, produceUsage, schemasUsage, securityUsage } from "./usage.ts";
import { brokersUsage, namespacesUsage, subscriptionsUsage, topicsUsage } from "./usage-admin.ts";
import { cliVersion } from "./version.ts";

type Command = (argv: string[], io: Io) => Promise<number>;

interface CommandEntry {
  usage: string;
  load(): Promise<Command>;
}

const commands: Readonly<Record<string, CommandEntry>> = {
  broker: { usage: brokerUsage, load: async () => (await import("./commands/broker.ts")).brokerCommand },
  produce: { usage: produceUsage, load: async () => (await import("./commands/produce.ts")).produceCommand },
  consume: { usage: consumeUsage, load: async () => (await import("./commands/consume.ts")).consumeCommand },
  topics: { usage: topicsUsage, load: async () => (await import("./commands/topics.ts")).topicsCommand },
  schemas: { usage: schemasUsage, load: async () => (await import("./commands/schemas.ts")).schemasCommand },
  subscriptions: {
    usage: subscriptionsUsage,
    load: async () => (await import("./commands/subscriptions.ts")).subscriptionsCommand,
  },
  namespaces: {
    usage: namespacesUsage,
    load: async () => (await import("./commands/namespaces.ts")).namespacesCommand,
  },
  brokers: { usage: brokersUsage, load: async () => (await import("./commands/brokers.ts")).brokersCommand },
  security: {
    usage: securityUsage,
    load: async () => (await import("./commands/security.ts")).securityCommand,
  },
};

/** Runs the `danube` command line `argv` (without node and script) and resolves to its exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(mainUsage);
    return ExitCode.USAGE;
  }
  if (first === "-h" || first === "--help" || first === "help") {
    io.out(mainUsage);
    return ExitCode.OK;
  }
  if (first === "-v" || first === "--version") {
    io.out(`danube ${cliVersion()}`);
    return ExitCode.OK;
  }
  const entry = Object.hasOwn(commands, first) ? commands[first] : undefined;
  if (entry === undefined) {
    io.err(`danube: unknown command "${first}"\n`);
    io.err(mainUsage);
    return ExitCode.USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(entry.usage);
    return ExitCode.OK;
  }
  try {
    const command = await entry.load();
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`danube ${first}: ${err.message}\n`);
      io.err(err.usage);
      return ExitCode.USAGE;
    }
    const { describeError } = await import("./error-exit.ts");
    const { message, exitCode } = describeError(err);
    io.err(`danube ${first}: ${message}`);
    return exitCode;
  }
}
