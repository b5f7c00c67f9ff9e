// Resolving a producer's version reference to a schema version, as upstream's client does.
import type { danube } from "@danube-ts/protocol";
import { DanubeError, ErrorCode, invalidArgument } from "../errors.ts";
import type { CallOptions } from "../options.ts";
import type { SchemaRegistryReader } from "./registry.ts";
import type { ResolvedSchema, VersionRef } from "./types.ts";

function checkVersion(value: unknown, option: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw invalidArgument(option, `must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}

/** Validates a version reference; `undefined` means latest. */
export function normalizeVersionRef(ref: VersionRef | undefined): VersionRef {
  if (ref === undefined || ref === "latest") return "latest";
  if (typeof ref === "object" && ref !== null) {
    if ("pinned" in ref) return { pinned: checkVersion(ref.pinned, "version.pinned") };
    if ("minVersion" in ref) return { minVersion: checkVersion(ref.minVersion, "version.minVersion") };
  }
  throw invalidArgument(
    "version",
    `must be "latest", { pinned: n } or { minVersion: n }, got ${String(ref)}`,
  );
}

/** The wire `SchemaReference` sent in CreateProducer. */
export function schemaReference(subject: string, ref: VersionRef): danube.SchemaReference {
  if (ref === "latest") return { subject, versionRef: { $case: "useLatest", value: true } };
  if ("pinned" in ref) return { subject, versionRef: { $case: "pinnedVersion", value: ref.pinned } };
  return { subject, versionRef: { $case: "minVersion", value: ref.minVersion } };
}

/** Reads the latest version, turning NOT_FOUND into a message naming the subject. */
async function latestOf(
  registry: SchemaRegistryReader,
  subject: string,
  options: CallOptions | undefined,
): Promise<ResolvedSchema> {
  try {
    return await registry.getLatestSchema(subject, options);
  } catch (error) {
    if (error instanceof DanubeError && error.code === ErrorCode.NOT_FOUND) {
      throw new DanubeError(
        ErrorCode.NOT_FOUND,
        `schema subject '${subject}' is not registered (register a schema first, or set autoRegister)`,
        { cause: error, grpcCode: error.grpcCode },
      );
    }
    throw error;
  }
}

/**
 * The version a producer uses, resolved once per producer creation:
 * - `"latest"`: the subject's latest version;
 * - `{ pinned: v }`: version v; NOT_FOUND if v is above the latest version (or was deleted);
 * - `{ minVersion: v }`: the latest version; FAILED_PRECONDITION if it is below v.
 * An unknown subject is NOT_FOUND.
 */
export async function resolveVersionRef(
  registry: SchemaRegistryReader,
  subject: string,
  ref: VersionRef,
  options?: CallOptions,
): Promise<ResolvedSchema> {
  const latest = await latestOf(registry, subject, options);
  if (ref === "latest") return latest;
  if ("pinned" in ref) {
    const wanted = ref.pinned;
    if (wanted > latest.version) {
      throw new DanubeError(
        ErrorCode.NOT_FOUND,
        `Pinned version ${wanted} does not exist for subject '${subject}'. Latest version is ${latest.version}`,
      );
    }
    if (wanted === latest.version) return latest;
    try {
      return await registry.getSchema(latest.schemaId, wanted, options);
    } catch (error) {
      if (error instanceof DanubeError && error.code === ErrorCode.NOT_FOUND) {
        throw new DanubeError(
          ErrorCode.NOT_FOUND,
          `Pinned version ${wanted} does not exist for subject '${subject}' (deleted). Latest version is ${latest.version}`,
          { cause: error, grpcCode: error.grpcCode },
        );
      }
      throw error;
    }
  }
  if (latest.version < ref.minVersion) {
    throw new DanubeError(
      ErrorCode.FAILED_PRECONDITION,
      `Latest version ${latest.version} does not meet minimum version requirement ${ref.minVersion} for subject '${subject}'`,
    );
  }
  return latest;
}
