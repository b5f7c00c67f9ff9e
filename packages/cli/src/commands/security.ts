// `danube security tokens|roles|bindings ...`, after danube-admin's `security` commands.
// Roles and bindings go to the broker's SecurityAdmin service through the admin client (same
// admin URL, TLS and token resolution as every other admin command).
import type { Role, RoleBinding } from "@danube-ts/client";
import { withAdmin } from "../admin-command.ts";
import { Flags, parseFlags, UsageError } from "../args.ts";
import { adminUrlSpecs, keySpec, securitySpecs } from "../connection.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { securityUsage } from "../usage.ts";
import { tokensCommand } from "./security-tokens.ts";

const specs = {
  ...adminUrlSpecs,
  "admin-url": { type: "string", short: "a" },
  ...securitySpecs,
  ...keySpec,
  // tokens
  subject: { type: "string" },
  "secret-key": { type: "string" },
  ttl: { type: "string" },
  type: { type: "string" },
  issuer: { type: "string" },
  // roles and bindings
  permissions: { type: "string" },
  "principal-type": { type: "string" },
  "principal-name": { type: "string" },
  roles: { type: "string" },
  scope: { type: "string" },
  resource: { type: "string" },
  output: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const list = (raw: string) =>
  raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

function printRole(io: Io, role: Role): void {
  io.out(`Role: ${role.name}`);
  io.out(`  Permissions: ${role.permissions.join(", ")}`);
  if (role.system) io.out("  System: true");
}

function printBinding(io: Io, b: RoleBinding): void {
  io.out(`Binding: ${b.id}`);
  io.out(`  Principal: ${b.principalType}:${b.principalName}`);
  io.out(`  Roles: ${b.roleNames.join(", ")}`);
  io.out(`  Scope: ${b.scope}${b.resourceName ? ` (${b.resourceName})` : ""}`);
}

const roleJson = (r: Role) => ({
  name: r.name,
  permissions: r.permissions,
  system: r.system,
});
const bindingJson = (b: RoleBinding) => ({
  id: b.id,
  principal_type: b.principalType,
  principal_name: b.principalName,
  role_names: b.roleNames,
  scope: b.scope,
  resource_name: b.resourceName,
});

async function rolesCommand(action: string | undefined, name: string | undefined, flags: Flags, io: Io) {
  const json = flags.choice("output", ["json", "text"], "text") === "json";
  const need = () => name ?? flags.fail("a role name is required");
  if (!["create", "get", "list", "delete"].includes(action ?? "")) {
    throw new UsageError(`expected roles create|get|list|delete, got "${action ?? ""}"`, securityUsage);
  }
  await withAdmin(flags, async ({ security }) => {
    switch (action) {
      case "create": {
        const role = { name: need(), permissions: list(flags.required("permissions")) };
        await security.createRole(role);
        io.out(`Role '${role.name}' created: true`);
        return;
      }
      case "get": {
        const role = await security.getRole(need());
        if (json) io.out(JSON.stringify(roleJson(role), null, 2));
        else printRole(io, role);
        return;
      }
      case "list": {
        const roles = await security.listRoles();
        if (json) io.out(JSON.stringify(roles.map(roleJson), null, 2));
        else if (roles.length === 0) io.out("No roles found.");
        else for (const role of roles) printRole(io, role);
        return;
      }
      default: {
        const role = need();
        await security.deleteRole(role);
        io.out(`Role '${role}' deleted: true`);
      }
    }
  });
}

async function bindingsCommand(action: string | undefined, id: string | undefined, flags: Flags, io: Io) {
  const json = flags.choice("output", ["json", "text"], "text") === "json";
  const need = () => id ?? flags.fail("a binding id is required");
  const where = () => ({ scope: flags.required("scope"), resourceName: flags.string("resource") ?? "" });
  if (!["create", "get", "list", "delete"].includes(action ?? "")) {
    throw new UsageError(`expected bindings create|get|list|delete, got "${action ?? ""}"`, securityUsage);
  }
  await withAdmin(flags, async ({ security }) => {
    switch (action) {
      case "create": {
        const binding = {
          id: need(),
          principalType: flags.required("principal-type"),
          principalName: flags.required("principal-name"),
          roleNames: list(flags.required("roles")),
          ...where(),
        };
        await security.createBinding(binding);
        io.out(`Binding '${binding.id}' created: true`);
        return;
      }
      case "get": {
        const binding = await security.getBinding(need(), where());
        if (json) io.out(JSON.stringify(bindingJson(binding), null, 2));
        else printBinding(io, binding);
        return;
      }
      case "list": {
        const bindings = await security.listBindings(where());
        if (json) io.out(JSON.stringify(bindings.map(bindingJson), null, 2));
        else if (bindings.length === 0) io.out("No bindings found.");
        else for (const b of bindings) printBinding(io, b);
        return;
      }
      default: {
        const binding = need();
        await security.deleteBinding(binding, where());
        io.out(`Binding '${binding}' deleted: true`);
      }
    }
  });
}

export async function securityCommand(argv: string[], io: Io): Promise<number> {
  const [group, action, ...rest] = argv;
  // A leading non-flag argument is the role name or binding id, as in danube-admin.
  const positional = rest[0] !== undefined && !rest[0].startsWith("-") ? rest.shift() : undefined;
  const flags = new Flags(parseFlags(rest, specs, securityUsage), securityUsage);
  if (group === "tokens") {
    if (positional !== undefined) flags.fail(`unexpected argument "${positional}"`);
    return tokensCommand(action, flags, io);
  }
  if (group === "roles") await rolesCommand(action, positional, flags, io);
  else if (group === "bindings") await bindingsCommand(action, positional, flags, io);
  else throw new UsageError(`expected tokens, roles or bindings, got "${group ?? ""}"`, securityUsage);
  return ExitCode.OK;
}
