// `danube broker`: a standalone broker in this process until SIGINT or SIGTERM.
import { type LogLevel, type RunningBroker, startBroker } from "@danube-ts/broker";
import { Flags, parseFlags } from "../args.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { aborted, onStopSignal } from "../signals.ts";
import { brokerUsage } from "../usage.ts";

const logLevels: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

const specs = {
  "data-dir": { type: "string" },
  "broker-addr": { type: "string" },
  "admin-addr": { type: "string" },
  "advertised-addr": { type: "string" },
  "log-level": { type: "string" },
  mode: { type: "string" },
  "repair-metadata": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const urlHost = (host: string) => (host.includes(":") ? `[${host}]` : host);

export async function brokerCommand(argv: string[], io: Io): Promise<number> {
  const flags = new Flags(parseFlags(argv, specs, brokerUsage), brokerUsage);
  if (flags.bool("help")) {
    io.out(brokerUsage);
    return ExitCode.OK;
  }
  const mode = flags.string("mode");
  if (mode !== undefined && mode.toLowerCase() !== "standalone") {
    flags.fail(`--mode ${mode} is not supported: this broker only runs standalone`);
  }
  const dataDir = flags.required("data-dir");
  const brokerAddr = flags.address("broker-addr", "127.0.0.1:6650");
  const adminAddr = flags.address("admin-addr", "127.0.0.1:50051");
  const advertised = flags.string("advertised-addr");
  if (advertised !== undefined) flags.address("advertised-addr", advertised);
  const logLevel = flags.choice("log-level", logLevels, "info");

  const stop = onStopSignal();
  try {
    let broker: RunningBroker;
    try {
      broker = await startBroker({
        dataDir,
        host: brokerAddr.host,
        port: brokerAddr.port,
        adminHost: adminAddr.host,
        adminPort: adminAddr.port,
        advertisedAddr: advertised,
        logLevel,
        repairMetadata: flags.bool("repair-metadata"),
      });
    } catch (err) {
      io.err(`danube broker: failed to start: ${err instanceof Error ? err.message : String(err)}`);
      return ExitCode.BROKER_START;
    }
    const bound = `http://${urlHost(broker.host)}:${broker.port}`;
    const advertisedNote = broker.url === bound ? "" : `, advertised as ${broker.url}`;
    io.out(`danube broker listening on ${bound} (admin ${broker.adminUrl})${advertisedNote}`);
    io.err(`data dir ${broker.dataDir}; broker id ${broker.brokerId}; stop with Ctrl-C or SIGTERM`);

    await aborted(stop.signal);
    io.err(`danube broker: ${stop.received ?? "stop"} received, closing`);
    await broker.close();
    io.err("danube broker: closed");
    return ExitCode.OK;
  } finally {
    stop.dispose();
  }
}
