import { invalidArgument } from "./errors.ts";

const SEGMENT = /^[\p{L}\p{N}_-]+$/u;
const PARTITION = /^(.*)-part-(\d+)$/;

/** True for `/namespace/topic` where both parts are non-empty letters, digits, `_` or `-`. */
export function isValidTopicName(name: string): boolean {
  const parts = name.split("/");
  return (
    parts.length === 3 && parts[0] === "" && SEGMENT.test(parts[1] ?? "") && SEGMENT.test(parts[2] ?? "")
  );
}

/** Throws upstream's INVALID_ARGUMENT for a malformed topic name. */
export function assertTopicName(name: string): void {
  if (!isValidTopicName(name)) {
    throw invalidArgument(`The topic: ${name} has an invalid format, should be: /namespace_name/topic_name`);
  }
}

export function namespaceOf(topic: string): string {
  return topic.split("/")[1] ?? "";
}

/** `/ns/t-part-3` -> `{ base: "/ns/t", index: 3 }`; undefined when the name is not a partition. */
export function parsePartition(topic: string): { base: string; index: number } | undefined {
  const match = PARTITION.exec(topic);
  if (!match) return undefined;
  return { base: match[1] ?? "", index: Number(match[2]) };
}

export function partitionName(base: string, index: number): string {
  return `${base}-part-${index}`;
}
