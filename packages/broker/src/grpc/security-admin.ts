import type { admin } from "@danube-ts/protocol";
import { failedPrecondition, invalidArgument, notFound } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { type Binding, isPermission, isScope, type Permission, type Role } from "../security/rbac.ts";
import type { Security } from "../security/security.ts";
import { unary } from "./handlers.ts";

const roleToWire = (role: Role): admin.RoleDefinition => ({
  name: role.name,
  permissions: [...role.permissions],
  system: role.system,
});

const bindingToWire = (b: Binding): admin.BindingDefinition => ({
  id: b.id,
  principalType: b.principalType,
  principalName: b.principalName,
  roleNames: [...b.roleNames],
  scope: b.scope,
  resourceName: b.resourceName,
});

function scope(value: string): Binding["scope"] {
  if (!isScope(value))
    throw invalidArgument(`invalid scope: ${value} (expected cluster, namespace, or topic)`);
  return value;
}

/**
 * danube_admin.SecurityAdmin: roles and bindings, as upstream (messages and codes included).
 * Authorization (ManageCluster) happens in the security layer before these handlers run.
 */
export function securityAdminService(security: Security, logger: Logger): admin.SecurityAdminServer {
  const { store } = security;
  const role = (name: string) => {
    const found = store.getRole(name);
    if (!found) throw notFound(`role '${name}' not found`);
    return found;
  };
  const binding = (scopeName: string, resource: string, id: string) => {
    const found = store.getBinding(scope(scopeName), resource, id);
    if (!found) throw notFound(`binding '${id}' not found`);
    return found;
  };
  return {
    createRole: unary(logger, async (req: admin.CreateRoleRequest) => {
      const def = req.role;
      if (!def) throw invalidArgument("role is required");
      if (def.name.length === 0) throw invalidArgument("role name is required");
      const permissions: Permission[] = [];
      for (const p of def.permissions) {
        if (!isPermission(p)) throw invalidArgument(`unknown permission: ${p}`);
        permissions.push(p);
      }
      await store.putRole({ name: def.name, permissions, system: def.system });
      logger.info(`created role ${def.name}`);
      return { success: true };
    }),
    getRole: unary(logger, (req: admin.GetRoleRequest) => ({ role: roleToWire(role(req.name)) })),
    listRoles: unary(logger, () => ({ roles: store.listRoles().map(roleToWire) })),
    deleteRole: unary(logger, async (req: admin.DeleteRoleRequest) => {
      if (role(req.name).system) throw failedPrecondition(`cannot delete system role '${req.name}'`);
      await store.deleteRole(req.name);
      logger.info(`deleted role ${req.name}`);
      return { success: true };
    }),
    createBinding: unary(logger, async (req: admin.CreateBindingRequest) => {
      const def = req.binding;
      if (!def) throw invalidArgument("binding is required");
      if (def.id.length === 0) throw invalidArgument("binding id is required");
      if (def.principalType.length === 0 || def.principalName.length === 0) {
        throw invalidArgument("principal_type and principal_name are required");
      }
      if (def.roleNames.length === 0) throw invalidArgument("at least one role_name is required");
      await store.putBinding({
        id: def.id,
        principalType: def.principalType,
        principalName: def.principalName,
        roleNames: [...def.roleNames],
        scope: scope(def.scope),
        resourceName: def.resourceName,
      });
      logger.info(`created binding ${def.id}`);
      return { success: true };
    }),
    getBinding: unary(logger, (req: admin.GetBindingRequest) => ({
      binding: bindingToWire(binding(req.scope, req.resourceName, req.bindingId)),
    })),
    listBindings: unary(logger, (req: admin.ListBindingsRequest) => ({
      bindings: store.listBindings(scope(req.scope), req.resourceName).map(bindingToWire),
    })),
    listAllBindings: unary(logger, () => ({ bindings: store.listAllBindings().map(bindingToWire) })),
    deleteBinding: unary(logger, async (req: admin.DeleteBindingRequest) => {
      binding(req.scope, req.resourceName, req.bindingId);
      await store.deleteBinding(req.scope, req.resourceName, req.bindingId);
      logger.info(`deleted binding ${req.bindingId}`);
      return { success: true };
    }),
  };
}
