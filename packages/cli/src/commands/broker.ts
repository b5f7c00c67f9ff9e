// `danube broker`: a standalone broker in this process until SIGINT or SIGTERM.
import {
  type BrokerConfigFile,
  type LogLevel,
  loadBrokerConfigFile,
  type RunningBroker,
  startBroker,
} from "@danube-ts/broker";
import { Flags, parseFlags } from "../args.ts";
import { ExitCode, signalExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { aborted, onStopSignal } from "../signals.ts";
import { brokerUsage } from "../usage.ts";

const logLevels: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];
const compatibilityRules = ["upstream", "strict"] as const;
const logFormats = ["text", "json"] as const;
const onOff = ["on", "off"] as const;

const specs = {
  "data-dir": { type: "string" },
  "broker-addr": { type: "string" },
  "admin-addr": { type: "string" },
  "advertised-addr": { type: "string" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
  "prom-exporter": { type: "string" },
  "console-addr": { type: "string" },
  mode: { type: "string" },
  "schema-compatibility-rules": { type: "string" },
  "config-file": { type: "string" },
  "repair-metadata": { type: "boolean" },
  "publish-stream": { type: "string" },
  "consume-stream": { type: "string" },
  "max-routing-key-bytes": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** After this long, a start that has not finished is reported. */
const slowStartMs = 10_000;

const urlHost = (host: string) => (host.includes(":") ? `[${host}]` : host);

/** An on/off flag as a boolean; undefined when absent. */
const onOffFlag = (flags: Flags, name: string): boolean | undefined =>
  flags.has(name) ? flags.choice(name, onOff, "on") === "on" : undefined;

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
  // Flags override the config file; both override the defaults.
  const brokerAddr = flags.has("broker-addr") ? flags.address("broker-addr", "") : undefined;
  const adminAddr = flags.has("admin-addr") ? flags.address("admin-addr", "") : undefined;
  const advertised = flags.string("advertised-addr");
  if (advertised !== undefined) flags.address("advertised-addr", advertised);
  const logLevel = flags.choice("log-level", logLevels, "info");
  const logFormat = flags.choice("log-format", logFormats, "text");
  const promExporter = flags.has("prom-exporter") ? flags.address("prom-exporter", "") : undefined;
  const consoleAddr = flags.has("console-addr") ? flags.address("console-addr", "") : undefined;
  const schemaCompatibilityRules = flags.choice("schema-compatibility-rules", compatibilityRules, "upstream");
  const publishStream = onOffFlag(flags, "publish-stream");
  const consumeStream = onOffFlag(flags, "consume-stream");
  const maxRoutingKeyBytes = flags.integer("max-routing-key-bytes", 1);
  const configPath = flags.string("config-file");
  let config: BrokerConfigFile = { options: {}, unusedKeys: [] };
  if (configPath !== undefined) {
    try {
      config = await loadBrokerConfigFile(configPath);
    } catch (err) {
      io.err(`danube broker: ${err instanceof Error ? err.message : String(err)}`);
      return ExitCode.USAGE;
    }
    if (config.unusedKeys.length > 0) {
      io.err(
        `danube broker: ${configPath}: keys not used by this standalone broker: ${config.unusedKeys.join(", ")}`,
      );
    }
  }

  const stop = onStopSignal();
  // The process id and Node's flags: `danube broker` re-executes itself in place with V8 flags
  // (bin/node-flags.mjs), and this line shows that it did.
  const node = [process.version, ...process.execArgv].join(" ");
  io.err(`danube broker: starting (data dir ${dataDir}; pid ${process.pid}; node ${node})`);
  try {
    let broker: RunningBroker | undefined;
    const starting = startBroker({
      ...config.options,
      dataDir,
      host: brokerAddr?.host ?? config.options.host ?? "127.0.0.1",
      port: brokerAddr?.port ?? config.options.port ?? 6650,
      adminHost: adminAddr?.host ?? config.options.adminHost ?? "127.0.0.1",
      adminPort: adminAddr?.port ?? config.options.adminPort ?? 50051,
      advertisedAddr: advertised,
      logLevel,
      logFormat,
      prometheus: promExporter
        ? { ...config.options.prometheus, host: promExporter.host, port: promExporter.port }
        : config.options.prometheus,
      console: consoleAddr
        ? { ...config.options.console, host: consoleAddr.host, port: consoleAddr.port }
        : config.options.console,
      schemaCompatibilityRules,
      extensions: {
        ...config.options.extensions,
        ...(publishStream !== undefined && { publishStream }),
        ...(consumeStream !== undefined && { consumeStream }),
      },
      maxRoutingKeyBytes: maxRoutingKeyBytes ?? config.options.maxRoutingKeyBytes,
      repairMetadata: flags.bool("repair-metadata"),
    });
    // A start that hangs (e.g. a data dir on a file system where mkdir never returns) is said so,
    // and the first Ctrl-C ends it.
    const slow = setTimeout(
      () =>
        io.err(
          `danube broker: still starting after ${slowStartMs / 1000} s; is the data dir ${dataDir} usable? Ctrl-C stops`,
        ),
      slowStartMs,
    );
    try {
      broker = await Promise.race([starting, aborted(stop.signal).then(() => undefined)]);
    } catch (err) {
      io.err(`danube broker: failed to start: ${err instanceof Error ? err.message : String(err)}`);
      return ExitCode.BROKER_START;
    } finally {
      clearTimeout(slow);
    }
    if (broker === undefined) {
      io.err(`danube broker: ${stop.received ?? "stop"} received while starting; exiting`);
      // The start may still hold the event loop (a stuck file system call): leave anyway, once
      // main has returned and the exit code is set.
      starting.then((b) => b.close()).catch(() => {});
      setTimeout(() => process.exit(), 200).unref();
      return signalExitCode(stop.received);
    }
    const bound = `${broker.url.startsWith("https:") ? "https" : "http"}://${urlHost(broker.host)}:${broker.port}`;
    const advertisedNote = broker.url === bound ? "" : `, advertised as ${broker.url}`;
    io.out(`danube broker listening on ${bound} (admin ${broker.adminUrl})${advertisedNote}`);
    if (broker.metricsUrl) io.err(`Prometheus metrics on ${broker.metricsUrl}`);
    if (broker.consoleUrl) io.err(`web console on ${broker.consoleUrl}/`);
    io.err(`data dir ${broker.dataDir}; broker id ${broker.brokerId}; stop with Ctrl-C or SIGTERM`);

    await aborted(stop.signal);
    io.err(`danube broker: ${stop.received ?? "stop"} received, closing`);
    await broker.close();
    io.err("danube broker: closed");
    return signalExitCode(stop.received);
  } finally {
    stop.dispose();
  }
}
