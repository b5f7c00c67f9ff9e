// Who may use the console API: the same token check and RBAC store as the gRPC admin services.
import { Metadata } from "@grpc/grpc-js";
import type { Permission, Resource } from "../security/rbac.ts";
import type { Security } from "../security/security.ts";

/** What one API request needs: every listed permission on its resource. */
export type Need = readonly { permission: Permission; resource: Resource }[];

/**
 * Checks the request's `Authorization` header (`Bearer <JWT>`, verified as on the admin port)
 * and then each need against the RBAC bindings; super admins pass. Throws BrokerError
 * UNAUTHENTICATED or PERMISSION_DENIED. With auth mode none everything is allowed.
 */
export function admit(security: Security, authorization: string | undefined, need: Need): void {
  if (!security.enabled) return;
  const metadata = new Metadata();
  if (authorization !== undefined) metadata.set("authorization", authorization);
  // No TLS peer facts: the broker-internal header needs a client certificate, which HTTP never has here.
  const principal = security.authenticator.authenticate(metadata, {});
  for (const { permission, resource } of need) security.authorize(principal, resource, permission);
}
