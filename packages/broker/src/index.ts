export { type RunningBroker, startBroker } from "./broker.ts";
export { type BrokerConfigFile, loadBrokerConfigFile, parseBrokerConfig } from "./config-file.ts";
export type { ConsoleOptions } from "./console/options.ts";
export type { BrokerRecovery } from "./core/broker-core.ts";
export type { MemoryStats } from "./core/memory-budget.ts";
export type { SubscriptionUnreadable, UnreadableRange } from "./core/unreadable-records.ts";
export { BrokerError } from "./errors.ts";
export type { ExtensionOptions } from "./extensions.ts";
export type { FaultInjection, SegmentWrite } from "./faults.ts";
export {
  consoleLogger,
  type LogFields,
  LogFormat,
  type Logger,
  type LogLevel,
  parseLogLevel,
} from "./logger.ts";
export type { AuthOptions, BrokerOptions, JwtOptions, PrometheusOptions, TlsOptions } from "./options.ts";
export { createToken, type DanubeClaims, JwtError, parseBearer, verifyToken } from "./security/jwt.ts";
