import { isValidTopicName } from "@danube-ts/protocol";
import { invalidArgument } from "./errors.ts";

// The grammar itself is a wire fact shared with the client (@danube-ts/protocol).
export {
  isValidTopicName,
  namespaceOf,
  parsePartitionTopicName as parsePartition,
  partitionTopicName as partitionName,
} from "@danube-ts/protocol";

/** Throws upstream's INVALID_ARGUMENT for a malformed topic name. */
export function assertTopicName(name: string): void {
  if (!isValidTopicName(name)) {
    throw invalidArgument(`The topic: ${name} has an invalid format, should be: /namespace_name/topic_name`);
  }
}
