// `danube schemas <action>`: the schema registry from the shell, with the actions and spellings of
// upstream danube-cli `schema` and danube-admin `schemas`.
import { readFile } from "node:fs/promises";
import { type CompatibilityMode, connectSchemaRegistry } from "@danube-ts/client";
import { splitAction } from "../admin-command.ts";
import { type Flags, parseCommand } from "../args.ts";
import {
  adminUrlSpecs,
  cliRetry,
  connectionOf,
  keySpec,
  securitySpecs,
  serviceConnection,
  serviceUrlSpecs,
} from "../connection.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { listOutput, outputSpec, toJson } from "../output.ts";
import { schemaTypes } from "../schema-values.ts";
import { schemasUsage } from "../usage.ts";

const specs = {
  ...serviceUrlSpecs,
  ...adminUrlSpecs,
  ...securitySpecs,
  ...keySpec,
  ...outputSpec,
  subject: { type: "string" },
  type: { type: "string" },
  "schema-type": { type: "string", short: "t" },
  file: { type: "string", short: "f" },
  schema: { type: "string" },
  version: { type: "string", short: "v" },
  id: { type: "string" },
  mode: { type: "string" },
  description: { type: "string" },
  tags: { type: "string", multiple: true },
  confirm: { type: "boolean" },
  permanent: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const actions = [
  "list",
  "list-subjects",
  "get",
  "versions",
  "register",
  "check",
  "mode",
  "set-compatibility",
  "get-compatibility",
  "delete",
] as const;
const modes: CompatibilityMode[] = [
  "none",
  "backward",
  "forward",
  "full",
  "backward_transitive",
  "forward_transitive",
  "full_transitive",
];

/** The schema text: --file or --schema (upstream danube-admin's inline form). */
async function schemaText(flags: Flags): Promise<string> {
  const inline = flags.string("schema");
  const file = flags.string("file");
  if (inline !== undefined && file !== undefined) flags.fail("give --file or --schema, not both");
  if (inline !== undefined) return inline;
  return readFile(file ?? flags.fail("--file (or --schema) is required"), "utf8");
}

const schemaType = (flags: Flags) => {
  const raw = flags.oneOf("schema-type", "type");
  const found = raw === undefined ? "json_schema" : schemaTypes.find((t) => t === raw.toLowerCase());
  return found ?? flags.fail(`--schema-type must be one of ${schemaTypes.join(", ")}, got "${raw}"`);
};

export async function schemasCommand(argv: string[], io: Io): Promise<number> {
  const [action, rest] = splitAction(argv, actions, schemasUsage);
  const flags = parseCommand(rest, specs, schemasUsage, 1);
  // --admin-url / --endpoint: the admin listener (DANUBE_ADMIN_* variables), else the service URL.
  const adminUrl = flags.oneOf("admin-url", "endpoint");
  const { url: serviceUrl, ...security } =
    adminUrl === undefined ? serviceConnection(flags) : connectionOf(flags, "admin", adminUrl);
  const json = listOutput(flags) === "json";
  const subject = () => flags.requiredFlagOrPositional("subject", 0);
  await using registry = connectSchemaRegistry({ serviceUrl, ...security, retry: cliRetry });
  switch (action) {
    case "list":
    case "list-subjects": {
      const subjects = await registry.listSubjects();
      if (json) io.out(toJson(subjects, true));
      else
        for (const s of subjects) {
          io.out(
            `${s.subject}\t${s.schemaType}\tv${s.latestVersion}\t${s.compatibilityMode}\tid ${s.schemaId}`,
          );
        }
      break;
    }
    case "get": {
      const id = flags.string("id");
      const version = flags.integer("version", 1);
      let schema: Awaited<ReturnType<typeof registry.getLatestSchema>>;
      if (id !== undefined) {
        if (flags.has("subject") || flags.positionals.length > 0)
          flags.fail("give --id or a subject, not both");
        if (!/^\d+$/.test(id)) flags.fail(`--id must be a schema id (digits), got "${id}"`);
        schema = await registry.getSchema(BigInt(id), version);
      } else {
        const latest = await registry.getLatestSchema(subject());
        schema = version === undefined ? latest : await registry.getSchema(latest.schemaId, version);
      }
      if (json) io.out(toJson(schema, true));
      else {
        io.out(
          `${schema.subject} v${schema.version} (schema id ${schema.schemaId}, ${schema.schemaType}, ${schema.fingerprint})`,
        );
        io.out(schema.definition);
      }
      break;
    }
    case "versions": {
      const versions = await registry.listVersions(subject());
      if (json) io.out(toJson(versions, true));
      else
        for (const v of versions)
          io.out(`v${v.version}\t${v.createdAt.toISOString()}\t${v.createdBy}\t${v.description}`);
      break;
    }
    case "register": {
      const name = subject();
      const result = await registry.registerSchema({
        subject: name,
        schemaType: schemaType(flags),
        schema: await schemaText(flags),
        description: flags.string("description") ?? "",
        createdBy: "danube-cli",
        tags: flags.list("tags"),
      });
      if (json) io.out(toJson({ subject: name, ...result }, true));
      else
        io.out(
          `${result.isNewVersion ? "registered" : "already registered"} ${name} version ${result.version} (schema id ${result.schemaId}, ${result.fingerprint})`,
        );
      break;
    }
    case "check": {
      const mode = flags.has("mode") ? flags.choice("mode", modes, "backward") : undefined;
      const result = await registry.checkCompatibility({
        subject: subject(),
        schemaType: schemaType(flags),
        schema: await schemaText(flags),
        ...(mode === undefined ? {} : { mode }),
      });
      if (json) io.out(toJson(result, true));
      else {
        io.out(result.compatible ? "compatible" : "incompatible");
        for (const error of result.errors) io.out(`  ${error}`);
      }
      return result.compatible ? ExitCode.OK : ExitCode.FAILURE;
    }
    case "mode":
    case "set-compatibility": {
      const name = subject();
      if (!flags.has("mode")) flags.fail("--mode is required");
      const mode = flags.choice("mode", modes, "backward");
      await registry.setCompatibilityMode(name, mode);
      io.out(`${name}: compatibility mode ${mode}`);
      break;
    }
    case "get-compatibility": {
      const latest = await registry.getLatestSchema(subject());
      const view = { subject: latest.subject, compatibility_mode: latest.compatibilityMode };
      io.out(json ? toJson(view, true) : `${view.subject}: compatibility mode ${view.compatibility_mode}`);
      break;
    }
    case "delete": {
      const name = subject();
      const version = flags.integer("version", 1) ?? flags.fail("--version is required");
      await registry.deleteSchemaVersion(name, version);
      io.out(`deleted ${name} version ${version}`);
      break;
    }
  }
  return ExitCode.OK;
}
