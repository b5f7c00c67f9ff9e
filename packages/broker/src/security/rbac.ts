// Roles, bindings and the default-deny authorizer, persisted in the broker's metadata store.
import { BrokerError, Status } from "../errors.ts";
import type { MetadataStore } from "../storage/metadata-store.ts";
import { type Principal, PrincipalType } from "./authenticate.ts";

/** Upstream's permission names, exactly as they travel in SecurityAdmin requests. */
export const Permission = {
  Lookup: "Lookup",
  Produce: "Produce",
  Consume: "Consume",
  Replicate: "Replicate",
  ManageNamespace: "ManageNamespace",
  ManageTopic: "ManageTopic",
  ManageSchema: "ManageSchema",
  ManageBroker: "ManageBroker",
  ManageCluster: "ManageCluster",
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const isPermission = (value: string): value is Permission => Object.hasOwn(Permission, value);

export const Scope = { Cluster: "cluster", Namespace: "namespace", Topic: "topic" } as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

export const isScope = (value: string): value is Scope =>
  value === Scope.Cluster || value === Scope.Namespace || value === Scope.Topic;

/** What a call acts on (upstream's `Resource`). */
export type Resource =
  | { kind: "Cluster" }
  | { kind: "Broker"; id: string }
  | { kind: "Namespace"; name: string }
  | { kind: "Topic"; name: string }
  | { kind: "SchemaSubject"; name: string };

export interface Role {
  name: string;
  permissions: Permission[];
  system: boolean;
}

export interface Binding {
  id: string;
  principalType: string;
  principalName: string;
  roleNames: string[];
  scope: Scope;
  resourceName: string;
}

const ROLES = "auth/roles/";
const BINDINGS = "auth/bindings/";
const roleKey = (name: string) => `${ROLES}${name}`;
const bindingKey = (scope: string, resource: string, id: string) =>
  `${BINDINGS}${JSON.stringify([scope, resource, id])}`;

/** Upstream's Debug rendering of a resource, used in its PERMISSION_DENIED messages. */
export function describeResource(resource: Resource): string {
  switch (resource.kind) {
    case "Cluster":
      return "Cluster";
    case "Broker":
      return `Broker(${JSON.stringify(resource.id)})`;
    case "Namespace":
      return `Namespace(${JSON.stringify(resource.name)})`;
    case "Topic":
      return `Topic(${JSON.stringify(resource.name)})`;
    case "SchemaSubject":
      return `SchemaSubject(${JSON.stringify(resource.name)})`;
  }
}

/** Namespace of `/ns/topic` (or of a subject `ns/...`), as upstream: first path segment. */
const namespaceOf = (path: string) => path.replace(/^\/+/, "").split("/")[0] ?? "";

export class SecurityStore {
  private readonly roles = new Map<string, Role>();
  /** key `${scope}\n${resource}` -> bindings of that exact scope and resource. */
  private readonly bindings = new Map<string, Binding[]>();

  constructor(
    private readonly store: MetadataStore,
    private readonly superAdmins: ReadonlySet<string>,
  ) {
    for (const [, role] of store.list<Role>(ROLES)) this.roles.set(role.name, role);
    for (const [, binding] of store.list<Binding>(BINDINGS)) this.cacheBinding(binding);
  }

  // ---- roles -------------------------------------------------------------------------------------

  getRole(name: string): Role | undefined {
    return this.roles.get(name);
  }

  listRoles(): Role[] {
    return [...this.roles.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async putRole(role: Role): Promise<void> {
    const stored: Role = { name: role.name, permissions: [...role.permissions], system: role.system };
    await this.store.put(roleKey(role.name), stored);
    this.roles.set(role.name, stored);
  }

  async deleteRole(name: string): Promise<void> {
    await this.store.delete(roleKey(name));
    this.roles.delete(name);
  }

  // ---- bindings ----------------------------------------------------------------------------------

  getBinding(scope: string, resource: string, id: string): Binding | undefined {
    return this.bindings.get(`${scope}\n${resource}`)?.find((b) => b.id === id);
  }

  listBindings(scope: string, resource: string): Binding[] {
    return [...(this.bindings.get(`${scope}\n${resource}`) ?? [])];
  }

  listAllBindings(): Binding[] {
    return [...this.bindings.values()].flat();
  }

  /** Creates or replaces (same scope, resource and id) a binding. */
  async putBinding(binding: Binding): Promise<void> {
    const stored: Binding = { ...binding, roleNames: [...binding.roleNames] };
    await this.store.put(bindingKey(stored.scope, stored.resourceName, stored.id), stored);
    this.uncacheBinding(stored.scope, stored.resourceName, stored.id);
    this.cacheBinding(stored);
  }

  async deleteBinding(scope: string, resource: string, id: string): Promise<void> {
    await this.store.delete(bindingKey(scope, resource, id));
    this.uncacheBinding(scope, resource, id);
  }

  private cacheBinding(binding: Binding): void {
    const key = `${binding.scope}\n${binding.resourceName}`;
    const list = this.bindings.get(key);
    if (list) list.push(binding);
    else this.bindings.set(key, [binding]);
  }

  private uncacheBinding(scope: string, resource: string, id: string): void {
    const key = `${scope}\n${resource}`;
    const rest = (this.bindings.get(key) ?? []).filter((b) => b.id !== id);
    if (rest.length === 0) this.bindings.delete(key);
    else this.bindings.set(key, rest);
  }

  // ---- decisions ---------------------------------------------------------------------------------

  /** True when `principal` bypasses RBAC: broker-internal, or listed in `auth.super_admins`. */
  isSuperAdmin(principal: Principal): boolean {
    return principal.type === PrincipalType.BrokerInternal || this.superAdmins.has(principal.name);
  }

  /** Bindings that may grant on `resource`: cluster, plus its namespace, plus the exact topic. */
  private candidates(resource: Resource): Binding[] {
    const out = this.listBindings(Scope.Cluster, "");
    if (resource.kind === "Namespace") out.push(...this.listBindings(Scope.Namespace, resource.name));
    if (resource.kind === "Topic" || resource.kind === "SchemaSubject") {
      const ns = namespaceOf(resource.name);
      if (ns.length > 0) out.push(...this.listBindings(Scope.Namespace, ns));
      out.push(...this.listBindings(Scope.Topic, resource.name));
    }
    return out;
  }

  /** Default deny; throws PERMISSION_DENIED with upstream's message shape when nothing grants. */
  authorize(principal: Principal, resource: Resource, permission: Permission): void {
    if (principal.type === PrincipalType.Anonymous) return; // only ever created when auth is off
    if (this.isSuperAdmin(principal)) return;
    for (const binding of this.candidates(resource)) {
      if (binding.principalType !== principal.type || binding.principalName !== principal.name) continue;
      for (const roleName of binding.roleNames) {
        if (this.roles.get(roleName)?.permissions.includes(permission)) return;
      }
    }
    throw new BrokerError(
      Status.PermissionDenied,
      `no binding grants ${permission} on ${describeResource(resource)} for ${principal.type}:${principal.name}`,
    );
  }
}
