export { type RunningBroker, startBroker } from "./broker.ts";
export { type BrokerConfigFile, loadBrokerConfigFile, parseBrokerConfig } from "./config-file.ts";
export { BrokerError } from "./errors.ts";
export { consoleLogger, type Logger, type LogLevel, parseLogLevel } from "./logger.ts";
export type { AuthOptions, BrokerOptions, JwtOptions, TlsOptions } from "./options.ts";
export { createToken, type DanubeClaims, JwtError, parseBearer, verifyToken } from "./security/jwt.ts";
