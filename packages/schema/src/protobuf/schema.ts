import protobuf from "protobufjs";
import { errorMessage, SchemaError } from "../errors.ts";
import {
  type ParsedSchemaBase,
  type SchemaReferenceFile,
  type ValidationResult,
  validationResult,
} from "../types.ts";
import { sha256Fingerprint } from "../util/canonical-json.ts";

/** A parsed Protobuf schema (.proto source plus the files it imports). */
export interface ProtobufParsedSchema extends ParsedSchemaBase {
  readonly type: "protobuf";
  /** The `package` of the main file ("" when none). */
  readonly packageName: string;
  /** Every type of the main file and its imports. */
  readonly root: protobuf.Root;
  /** Messages and enums declared in the main file, in declaration order (nested ones included). */
  readonly mainTypes: ReadonlyArray<protobuf.Type | protobuf.Enum>;
  /** The `package` of the file that declares each message or enum (main file and imports). */
  readonly packageOf: ReadonlyMap<protobuf.ReflectionObject, string>;
  /** The message type payloads are decoded with; undefined when the file declares no message. */
  readonly messageType: protobuf.Type | undefined;
  /** Validates a payload by decoding it as `messageType`. */
  validate(payload: Uint8Array): ValidationResult;
}

const parseOptions = { keepCase: true, alternateCommentMode: true };

function invalid(message: string): never {
  throw new SchemaError("SCHEMA_INVALID", `Invalid Protobuf schema: ${message}`);
}

function collectTypes(ns: protobuf.NamespaceBase, out: Array<protobuf.Type | protobuf.Enum>): void {
  for (const child of ns.nestedArray) {
    if (child instanceof protobuf.Type || child instanceof protobuf.Enum) out.push(child);
    if (child instanceof protobuf.Namespace) collectTypes(child, out);
  }
}

/** Loads `import`s: from the given references, or protobufjs' bundled google/protobuf files. */
function loadImports(
  root: protobuf.Root,
  imports: string[],
  references: Map<string, string>,
  loaded: Set<string>,
  packageOf: Map<protobuf.ReflectionObject, string>,
): void {
  for (const name of imports) {
    if (loaded.has(name)) continue;
    loaded.add(name);
    const text = references.get(name);
    if (text !== undefined) {
      let result: protobuf.IParserResult;
      try {
        result = protobuf.parse(text, root, parseOptions);
      } catch (e) {
        invalid(`in import '${name}': ${errorMessage(e)}`);
      }
      recordPackage(root, result.package ?? "", packageOf);
      loadImports(
        root,
        [...(result.imports ?? []), ...(result.weakImports ?? [])],
        references,
        loaded,
        packageOf,
      );
      continue;
    }
    const common = protobuf.common.get(name);
    if (!common) invalid(`import '${name}' is not provided as a reference`);
    root.addJSON(common.nested ?? {});
    recordPackage(root, "google.protobuf", packageOf);
  }
}

/** Records `pkg` for every type that has no package recorded yet (those just parsed). */
function recordPackage(
  root: protobuf.Root,
  pkg: string,
  packageOf: Map<protobuf.ReflectionObject, string>,
): void {
  const all: Array<protobuf.Type | protobuf.Enum> = [];
  collectTypes(root, all);
  for (const t of all) if (!packageOf.has(t)) packageOf.set(t, pkg);
}

function findMessage(
  types: ReadonlyArray<protobuf.Type | protobuf.Enum>,
  name: string,
): protobuf.Type | undefined {
  const wanted = name.replace(/^\./, "");
  return types.find(
    (t): t is protobuf.Type =>
      t instanceof protobuf.Type && (t.fullName.slice(1) === wanted || t.name === wanted),
  );
}

/** Parses .proto text. Throws SchemaError SCHEMA_INVALID. */
export function parseProtobufSchema(
  text: string,
  opts: { references?: SchemaReferenceFile[]; messageName?: string } = {},
): ProtobufParsedSchema {
  const root = new protobuf.Root();
  let main: protobuf.IParserResult;
  try {
    main = protobuf.parse(text, root, parseOptions);
  } catch (e) {
    invalid(errorMessage(e));
  }
  const mainTypes: Array<protobuf.Type | protobuf.Enum> = [];
  collectTypes(root, mainTypes);
  const packageOf = new Map<protobuf.ReflectionObject, string>();
  recordPackage(root, main.package ?? "", packageOf);
  const references = new Map((opts.references ?? []).map((r) => [r.name, r.text]));
  loadImports(root, [...(main.imports ?? []), ...(main.weakImports ?? [])], references, new Set(), packageOf);
  try {
    root.resolveAll();
  } catch (e) {
    invalid(errorMessage(e));
  }
  const messageType = opts.messageName
    ? findMessage(mainTypes, opts.messageName)
    : mainTypes.find((t): t is protobuf.Type => t instanceof protobuf.Type);
  if (!messageType && opts.messageName) invalid(`no message named '${opts.messageName}'`);
  return {
    type: "protobuf",
    canonical: text,
    fingerprint: sha256Fingerprint(text),
    packageName: main.package ?? "",
    root,
    mainTypes,
    packageOf,
    messageType,
    validate(payload) {
      if (!messageType)
        return validationResult([{ path: "/", message: "the schema declares no message type" }]);
      try {
        messageType.decode(payload);
        return validationResult([]);
      } catch (e) {
        return validationResult([
          { path: "/", message: `cannot decode as ${messageType.fullName.slice(1)}: ${errorMessage(e)}` },
        ]);
      }
    },
  };
}
