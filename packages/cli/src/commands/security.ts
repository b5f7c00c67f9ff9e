// `danube security tokens|roles|bindings ...`, after danube-admin's `security` commands.
// Roles and bindings go to the broker's SecurityAdmin service over the admin listener.
import { readFileSync } from "node:fs";
import { admin } from "@danube-ts/protocol";
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { Flags, parseFlags, UsageError } from "../args.ts";
import { adminConnection, adminUrlSpecs, keySpec, securitySpecs } from "../connection.ts";
import { ExitCode, errorCodeExit } from "../exit-codes.ts";
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

const CALL_TIMEOUT_MS = 10_000;
const list = (raw: string) =>
  raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/**
 * A SecurityAdmin stub for the endpoint, TLS and token that flags and DANUBE_ADMIN_* variables give
 * (resolved as every other command resolves them). The client library's admin client has no
 * SecurityAdmin, so this one channel is built here with grpc-js, from the same settings.
 */
function securityAdmin(flags: Flags) {
  const { url, tls, token } = adminConnection(flags);
  const address = url.replace(/^https?:\/\//i, "").replace(/\/+$/, "");
  const read = (what: string, path: string | undefined) => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      return flags.fail(`cannot read ${what} ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  let channelCredentials = credentials.createInsecure();
  const options: Record<string, string> = {};
  if (tls !== undefined) {
    channelCredentials = credentials.createSsl(
      read("the CA file", tls.ca) ?? null,
      read("the key file", tls.key) ?? null,
      read("the certificate file", tls.cert) ?? null,
    );
    if (tls.serverName !== undefined) options["grpc.ssl_target_name_override"] = tls.serverName;
  }
  const client = new admin.SecurityAdminClient(address, channelCredentials, options);
  const call = <Req, Res>(
    method: (
      req: Req,
      md: Metadata,
      opts: { deadline: number },
      cb: (e: ServiceError | null, r: Res) => void,
    ) => unknown,
    request: Req,
  ) =>
    new Promise<Res>((resolve, reject) => {
      const md = new Metadata();
      if (token) md.set("authorization", `Bearer ${token}`);
      method.call(client, request, md, { deadline: Date.now() + CALL_TIMEOUT_MS }, (err, res) =>
        err ? reject(err) : resolve(res),
      );
    });
  return { client, call };
}

function printRole(io: Io, role: admin.RoleDefinition): void {
  io.out(`Role: ${role.name}`);
  io.out(`  Permissions: ${role.permissions.join(", ")}`);
  if (role.system) io.out("  System: true");
}

function printBinding(io: Io, b: admin.BindingDefinition): void {
  io.out(`Binding: ${b.id}`);
  io.out(`  Principal: ${b.principalType}:${b.principalName}`);
  io.out(`  Roles: ${b.roleNames.join(", ")}`);
  io.out(`  Scope: ${b.scope}${b.resourceName ? ` (${b.resourceName})` : ""}`);
}

const roleJson = (r: admin.RoleDefinition) => ({
  name: r.name,
  permissions: r.permissions,
  system: r.system,
});
const bindingJson = (b: admin.BindingDefinition) => ({
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
  const { client, call } = securityAdmin(flags);
  try {
    switch (action) {
      case "create": {
        const role = { name: need(), permissions: list(flags.required("permissions")), system: false };
        const res = await call(client.createRole, { role });
        io.out(`Role '${role.name}' created: ${res.success}`);
        return;
      }
      case "get": {
        const res = await call(client.getRole, { name: need() });
        if (res.role && json) io.out(JSON.stringify(roleJson(res.role), null, 2));
        else if (res.role) printRole(io, res.role);
        return;
      }
      case "list": {
        const res = await call(client.listRoles, {});
        if (json) io.out(JSON.stringify(res.roles.map(roleJson), null, 2));
        else if (res.roles.length === 0) io.out("No roles found.");
        else for (const role of res.roles) printRole(io, role);
        return;
      }
      case "delete": {
        const res = await call(client.deleteRole, { name: need() });
        io.out(`Role '${name}' deleted: ${res.success}`);
        return;
      }
      default:
        throw new UsageError(`expected roles create|get|list|delete, got "${action ?? ""}"`, securityUsage);
    }
  } finally {
    client.close();
  }
}

async function bindingsCommand(action: string | undefined, id: string | undefined, flags: Flags, io: Io) {
  const json = flags.choice("output", ["json", "text"], "text") === "json";
  const need = () => id ?? flags.fail("a binding id is required");
  const where = () => ({ scope: flags.required("scope"), resourceName: flags.string("resource") ?? "" });
  const { client, call } = securityAdmin(flags);
  try {
    switch (action) {
      case "create": {
        const binding = {
          id: need(),
          principalType: flags.required("principal-type"),
          principalName: flags.required("principal-name"),
          roleNames: list(flags.required("roles")),
          ...where(),
        };
        const res = await call(client.createBinding, { binding });
        io.out(`Binding '${binding.id}' created: ${res.success}`);
        return;
      }
      case "get": {
        const res = await call(client.getBinding, { bindingId: need(), ...where() });
        if (res.binding && json) io.out(JSON.stringify(bindingJson(res.binding), null, 2));
        else if (res.binding) printBinding(io, res.binding);
        return;
      }
      case "list": {
        const res = await call(client.listBindings, where());
        if (json) io.out(JSON.stringify(res.bindings.map(bindingJson), null, 2));
        else if (res.bindings.length === 0) io.out("No bindings found.");
        else for (const b of res.bindings) printBinding(io, b);
        return;
      }
      case "delete": {
        const res = await call(client.deleteBinding, { bindingId: need(), ...where() });
        io.out(`Binding '${id}' deleted: ${res.success}`);
        return;
      }
      default:
        throw new UsageError(
          `expected bindings create|get|list|delete, got "${action ?? ""}"`,
          securityUsage,
        );
    }
  } finally {
    client.close();
  }
}

/** gRPC status number -> name used by the exit code table. */
const statusName = Object.fromEntries(Object.entries(status).map(([k, v]) => [v, k])) as Record<
  number,
  string
>;

export async function securityCommand(argv: string[], io: Io): Promise<number> {
  const [group, action, ...rest] = argv;
  // A leading non-flag argument is the role name or binding id, as in danube-admin.
  const positional = rest[0] !== undefined && !rest[0].startsWith("-") ? rest.shift() : undefined;
  const flags = new Flags(parseFlags(rest, specs, securityUsage), securityUsage);
  try {
    if (group === "tokens") {
      if (positional !== undefined) flags.fail(`unexpected argument "${positional}"`);
      return tokensCommand(action, flags, io);
    }
    if (group === "roles") await rolesCommand(action, positional, flags, io);
    else if (group === "bindings") await bindingsCommand(action, positional, flags, io);
    else throw new UsageError(`expected tokens, roles or bindings, got "${group ?? ""}"`, securityUsage);
    return ExitCode.OK;
  } catch (err) {
    const e = err as Partial<ServiceError>;
    if (typeof e.code !== "number" || typeof e.details !== "string") throw err;
    const name = statusName[e.code] ?? "UNKNOWN";
    io.err(`danube security: ${e.details} [${name}]`);
    return errorCodeExit[name as keyof typeof errorCodeExit] ?? ExitCode.FAILURE;
  }
}
