// @danube-ts/protocol: internal to danube-ts, not a public API (see README.md). What the client and
// the broker must agree on, kept once: the generated wire types and gRPC service definitions, and
// the wire facts that are not in the .proto files (key hashing, the name grammar, the schema envelope).
export * as danube from "./gen/danube/danube.ts";
export * as admin from "./gen/danube_admin/danube_admin.ts";
export * as schema from "./gen/danube_schema/danube_schema.ts";
/** danube-ts extension (not upstream): the negotiated consume stream (proto/danube_ts/consume.proto). */
export * as consumeStream from "./gen/danube_ts/consume.ts";
/** danube-ts extension (not upstream): the ordered publish stream, see docs/streaming.md. */
export * as publishStream from "./gen/danube_ts/publish.ts";
export {
  afterHeader,
  announced,
  consumeStreamHeader,
  publishStreamHeader,
  sequencingHeader,
} from "./wire/headers.ts";
export { fnv1a64, partitionForKey } from "./wire/key-hash.ts";
export {
  isValidNamespaceName,
  isValidTopicName,
  namespaceOf,
  parsePartitionTopicName,
  partitionTopicName,
} from "./wire/names.ts";
export {
  type EnvelopeSchemaType,
  unwrapSchemaDefinition,
  wrapSchemaDefinition,
} from "./wire/schema-envelope.ts";
