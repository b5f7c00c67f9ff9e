// Generated Danube wire types and gRPC service definitions.
// Internal to danube-ts: shared by @danube-ts/client and @danube-ts/broker, not a public API.
export * as danube from "./gen/danube/danube.ts";
export * as admin from "./gen/danube_admin/danube_admin.ts";
export * as schema from "./gen/danube_schema/danube_schema.ts";
