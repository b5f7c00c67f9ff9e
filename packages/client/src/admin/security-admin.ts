// Roles and role bindings: typed calls to the broker's SecurityAdmin service (admin listener),
// reached as `adminClient.security`. Same channel, TLS material and token as the other admin calls.
import type { admin } from "@danube-ts/protocol";
import type { Metadata } from "@grpc/grpc-js";
import { DanubeError, ErrorCode, invalidArgument } from "../errors.ts";
import { type CallOptions, requireName } from "../options.ts";
import type { UnaryInvoker } from "../transport/unary.ts";

/** A role: a named set of permissions (`Produce`, `Consume`, `Lookup`, `ManageTopic`, ...). */
export interface Role {
  name: string;
  permissions: string[];
  /** Built into the broker; cannot be deleted. */
  system: boolean;
}

/** Where a binding applies: the whole cluster, one namespace, or one topic. */
export const BindingScope = {
  Cluster: "cluster",
  Namespace: "namespace",
  Topic: "topic",
} as const;

/** One of the values of {@link BindingScope} (the broker also accepts its own spellings). */
export type BindingScope = (typeof BindingScope)[keyof typeof BindingScope];

/** Where a binding lives: its scope and, below the cluster, the namespace or `/namespace/topic`. */
export interface BindingLocation {
  scope: BindingScope | (string & {});
  /** Empty (or omitted) for the cluster scope. */
  resourceName?: string;
}

/** Grants roles to one principal within a scope. */
export interface RoleBinding extends BindingLocation {
  id: string;
  /** `user` or `service_account`. */
  principalType: string;
  principalName: string;
  roleNames: string[];
}

/** Roles and role bindings of a broker with security on (every call needs `ManageCluster`). */
export interface SecurityAdmin {
  createRole(role: { name: string; permissions: string[] }, options?: CallOptions): Promise<void>;
  /** The role, or NOT_FOUND. */
  getRole(name: string, options?: CallOptions): Promise<Role>;
  listRoles(options?: CallOptions): Promise<Role[]>;
  deleteRole(name: string, options?: CallOptions): Promise<void>;
  createBinding(binding: RoleBinding, options?: CallOptions): Promise<void>;
  /** The binding, or NOT_FOUND. */
  getBinding(id: string, where: BindingLocation, options?: CallOptions): Promise<RoleBinding>;
  /** Bindings of one scope and resource; without `where`, every binding of the broker. */
  listBindings(where?: BindingLocation, options?: CallOptions): Promise<RoleBinding[]>;
  deleteBinding(id: string, where: BindingLocation, options?: CallOptions): Promise<void>;
}

/** How the admin client runs one call: its closed check, options, deadline and metadata. */
export type AdminCaller = <Res>(
  operation: string,
  rpc: string,
  options: CallOptions | undefined,
  invoke: (metadata: Metadata) => UnaryInvoker<Res>,
) => Promise<Res>;

function texts(value: unknown, option: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw invalidArgument(option, "must be an array of strings");
  }
  return value as string[];
}

function location(where: BindingLocation | undefined): { scope: string; resourceName: string } {
  if (typeof where !== "object" || where === null) throw invalidArgument("where", "must be an object");
  const resourceName = where.resourceName ?? "";
  if (typeof resourceName !== "string") throw invalidArgument("resourceName", "must be a string");
  return { scope: requireName(where.scope, "scope"), resourceName };
}

const roleFromWire = (r: admin.RoleDefinition): Role => ({
  name: r.name,
  permissions: [...r.permissions],
  system: r.system,
});

const bindingFromWire = (b: admin.BindingDefinition): RoleBinding => ({
  id: b.id,
  principalType: b.principalType,
  principalName: b.principalName,
  roleNames: [...b.roleNames],
  scope: b.scope,
  resourceName: b.resourceName,
});

/** The SecurityAdmin calls over `stub`, each run through the admin client's `call`. */
export function securityAdmin(stub: admin.SecurityAdminClient, call: AdminCaller): SecurityAdmin {
  return {
    async createRole(role, options) {
      if (typeof role !== "object" || role === null) throw invalidArgument("role", "must be an object");
      const wire = {
        role: {
          name: requireName(role.name, "name"),
          permissions: texts(role.permissions, "permissions"),
          system: false,
        },
      };
      await call("createRole", "CreateRole", options, (md) => (o, cb) => stub.createRole(wire, md, o, cb));
    },
    async getRole(name, options) {
      const wire = { name: requireName(name, "name") };
      const res = await call<admin.GetRoleResponse>(
        "getRole",
        "GetRole",
        options,
        (md) => (o, cb) => stub.getRole(wire, md, o, cb),
      );
      if (res.role === undefined) throw new DanubeError(ErrorCode.NOT_FOUND, `getRole: no role ${wire.name}`);
      return roleFromWire(res.role);
    },
    async listRoles(options) {
      const res = await call<admin.ListRolesResponse>(
        "listRoles",
        "ListRoles",
        options,
        (md) => (o, cb) => stub.listRoles({}, md, o, cb),
      );
      return res.roles.map(roleFromWire);
    },
    async deleteRole(name, options) {
      const wire = { name: requireName(name, "name") };
      await call("deleteRole", "DeleteRole", options, (md) => (o, cb) => stub.deleteRole(wire, md, o, cb));
    },
    async createBinding(binding, options) {
      if (typeof binding !== "object" || binding === null) {
        throw invalidArgument("binding", "must be an object");
      }
      const wire = {
        binding: {
          id: requireName(binding.id, "id"),
          principalType: requireName(binding.principalType, "principalType"),
          principalName: requireName(binding.principalName, "principalName"),
          roleNames: texts(binding.roleNames, "roleNames"),
          ...location(binding),
        },
      };
      await call(
        "createBinding",
        "CreateBinding",
        options,
        (md) => (o, cb) => stub.createBinding(wire, md, o, cb),
      );
    },
    async getBinding(id, where, options) {
      const wire = { bindingId: requireName(id, "id"), ...location(where) };
      const res = await call<admin.GetBindingResponse>(
        "getBinding",
        "GetBinding",
        options,
        (md) => (o, cb) => stub.getBinding(wire, md, o, cb),
      );
      if (res.binding === undefined) {
        throw new DanubeError(ErrorCode.NOT_FOUND, `getBinding: no binding ${wire.bindingId}`);
      }
      return bindingFromWire(res.binding);
    },
    async listBindings(where, options) {
      if (where === undefined) {
        const res = await call<admin.ListBindingsResponse>(
          "listBindings",
          "ListAllBindings",
          options,
          (md) => (o, cb) => stub.listAllBindings({}, md, o, cb),
        );
        return res.bindings.map(bindingFromWire);
      }
      const wire = location(where);
      const res = await call<admin.ListBindingsResponse>(
        "listBindings",
        "ListBindings",
        options,
        (md) => (o, cb) => stub.listBindings(wire, md, o, cb),
      );
      return res.bindings.map(bindingFromWire);
    },
    async deleteBinding(id, where, options) {
      const wire = { bindingId: requireName(id, "id"), ...location(where) };
      await call(
        "deleteBinding",
        "DeleteBinding",
        options,
        (md) => (o, cb) => stub.deleteBinding(wire, md, o, cb),
      );
    },
  };
}
