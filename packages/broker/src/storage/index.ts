export { crc32 } from "./crc32.ts";
export type { StorageErrorCode } from "./errors.ts";
export { StorageError } from "./errors.ts";
export type { MetadataRecoveryReport, MetadataStoreOptions, MetadataStoreStats } from "./metadata-store.ts";
export { MetadataStore } from "./metadata-store.ts";
export type { LogRecord, RecoveryReport, TopicLogOptions, TopicLogStats } from "./topic-log.ts";
export { TopicLog } from "./topic-log.ts";
