// `danube schemas <action>`: the schema registry from the shell (list, get, versions, register,
// check, mode, delete).
import { readFile } from "node:fs/promises";
import { type CompatibilityMode, connectSchemaRegistry, type SchemaType } from "@danube-ts/client";
import { Flags, parseFlags, UsageError } from "../args.ts";
import { ExitCode } from "../exit-codes.ts";
import type { Io } from "../io.ts";
import { schemasUsage } from "../usage.ts";

const specs = {
  "service-url": { type: "string", short: "s" },
  subject: { type: "string" },
  type: { type: "string" },
  file: { type: "string", short: "f" },
  version: { type: "string" },
  mode: { type: "string" },
  description: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const actions = ["list", "get", "versions", "register", "check", "mode", "delete"] as const;
type Action = (typeof actions)[number];
const schemaTypes: SchemaType[] = ["bytes", "string", "number", "avro", "json_schema", "protobuf"];
const modes: CompatibilityMode[] = [
  "none",
  "backward",
  "forward",
  "full",
  "backward_transitive",
  "forward_transitive",
  "full_transitive",
];

const json = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v), 2);

export async function schemasCommand(argv: string[], io: Io): Promise<number> {
  const [action, ...rest] = argv;
  if (!actions.includes(action as Action)) {
    throw new UsageError(`expected one of ${actions.join(", ")}, got "${action ?? ""}"`, schemasUsage);
  }
  const flags = new Flags(parseFlags(rest, specs, schemasUsage), schemasUsage);
  const serviceUrl = flags.string("service-url") ?? "http://127.0.0.1:6650";
  const schemaFile = async () => readFile(flags.required("file"), "utf8");
  await using registry = connectSchemaRegistry({ serviceUrl });
  switch (action as Action) {
    case "list":
      for (const s of await registry.listSubjects()) {
        io.out(
          `${s.subject}\t${s.schemaType}\tv${s.latestVersion}\t${s.compatibilityMode}\tid ${s.schemaId}`,
        );
      }
      break;
    case "get": {
      const subject = flags.required("subject");
      const version = flags.integer("version", 1);
      const latest = await registry.getLatestSchema(subject);
      const schema = version === undefined ? latest : await registry.getSchema(latest.schemaId, version);
      io.out(json(schema));
      break;
    }
    case "versions":
      io.out(json(await registry.listVersions(flags.required("subject"))));
      break;
    case "register": {
      const result = await registry.registerSchema({
        subject: flags.required("subject"),
        schemaType: flags.choice("type", schemaTypes, "json_schema"),
        schema: await schemaFile(),
        description: flags.string("description") ?? "",
        createdBy: "danube-cli",
      });
      io.out(
        `${result.isNewVersion ? "registered" : "already registered"} ${flags.required("subject")} version ${result.version} (schema id ${result.schemaId}, ${result.fingerprint})`,
      );
      break;
    }
    case "check": {
      const mode = flags.has("mode") ? flags.choice("mode", modes, "backward") : undefined;
      const result = await registry.checkCompatibility({
        subject: flags.required("subject"),
        schemaType: flags.choice("type", schemaTypes, "json_schema"),
        schema: await schemaFile(),
        ...(mode === undefined ? {} : { mode }),
      });
      io.out(result.compatible ? "compatible" : "incompatible");
      for (const error of result.errors) io.out(`  ${error}`);
      return result.compatible ? ExitCode.OK : ExitCode.FAILURE;
    }
    case "mode": {
      const subject = flags.required("subject");
      if (!flags.has("mode")) flags.fail("--mode is required");
      const mode = flags.choice("mode", modes, "backward");
      await registry.setCompatibilityMode(subject, mode);
      io.out(`${subject}: compatibility mode ${mode}`);
      break;
    }
    case "delete": {
      const subject = flags.required("subject");
      const version = flags.integer("version", 1) ?? flags.fail("--version is required");
      await registry.deleteSchemaVersion(subject, version);
      io.out(`deleted ${subject} version ${version}`);
      break;
    }
  }
  return ExitCode.OK;
}
