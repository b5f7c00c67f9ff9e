// The name grammar of namespaces and topics (`/namespace/topic`) and of partition topics
// (`<topic>-part-<index>`), shared by the client's validation and the broker's.

/** One namespace or topic segment: letters, digits, `_` or `-` (Unicode letters and digits too). */
const segment = /^[\p{L}\p{N}_-]+$/u;
const partitionSuffix = /^(.*)-part-(\d+)$/;

/** True when `name` is a valid namespace name (one non-empty segment). */
export function isValidNamespaceName(name: string): boolean {
  return segment.test(name);
}

/** True for `/namespace/topic` where both parts are non-empty letters, digits, `_` or `-`. */
export function isValidTopicName(name: string): boolean {
  const parts = name.split("/");
  return parts.length === 3 && parts[0] === "" && segment.test(parts[1]!) && segment.test(parts[2]!);
}

/** The namespace of a valid topic name: `/ns/t` -> `ns`. */
export function namespaceOf(topic: string): string {
  return topic.split("/")[1] ?? "";
}

/** The topic of partition `index` of the partitioned topic `base`: `<base>-part-<index>`. */
export function partitionTopicName(base: string, index: number): string {
  return `${base}-part-${index}`;
}

/** `/ns/t-part-3` -> `{ base: "/ns/t", index: 3 }`; undefined when the name is not a partition. */
export function parsePartitionTopicName(topic: string): { base: string; index: number } | undefined {
  const match = partitionSuffix.exec(topic);
  if (!match) return undefined;
  return { base: match[1]!, index: Number(match[2]) };
}
