// A producer's schema: subject, version reference and serde; resolves the (id, version) stamped on
// every message, registering the serde's schema first when asked to.
import type { danube } from "@danube-ts/protocol";
import { DanubeError, ErrorCode, invalidArgument } from "../errors.ts";
import type { CallOptions } from "../options.ts";
import type { SchemaRegistryReader, SchemaRegistryWriter } from "./registry.ts";
import { isSameSchema } from "./same-schema.ts";
import type { Serde } from "./serde.ts";
import type { ResolvedSchema, SchemaStamp, VersionRef } from "./types.ts";
import { normalizeVersionRef, resolveVersionRef, schemaReference } from "./version-ref.ts";

/** Metadata stored with a schema registered by auto-registration. */
export interface AutoRegisterOptions {
  /**
   * @default ""
   */
  description?: string;
  /**
   * @default "danube-ts"
   */
  createdBy?: string;
  /**
   * @default []
   */
  tags?: string[];
}

/** Options of {@link schemaBinding}: the `schema` option of a producer. */
export interface SchemaBindingOptions<T> {
  /** The registry subject, e.g. `orders-value`. */
  subject: string;
  /** Encodes (and validates) the values sent. */
  serde: Serde<T>;
  /**
   * Which version to stamp on messages.
   * @default "latest"
   */
  version?: VersionRef;
  /**
   * Register the serde's schema on create when it is not registered yet: the subject is created
   * if missing; a new version is added only if the subject's compatibility check passes
   * (else FAILED_PRECONDITION naming the incompatibilities).
   * @default false
   */
  autoRegister?: boolean | AutoRegisterOptions;
  /**
   * Check that the resolved version is the serde's schema (FAILED_PRECONDITION if not), so the
   * stamp always names the schema the payload was written with. Not done for `serdes.bytes()`.
   * @default true
   */
  verifySchema?: boolean;
}

/** A resolved binding: the stamp and the registered version it names. */
export interface ResolvedBinding extends SchemaStamp {
  schema: ResolvedSchema;
}

/** What a producer uses: resolve once per create, then encode every value. */
export interface SchemaBinding<T> {
  readonly subject: string;
  readonly serde: Serde<T>;
  readonly version: VersionRef;
  /** Auto-registration metadata, undefined when off. */
  readonly autoRegister: AutoRegisterOptions | undefined;
  /** The `schema_ref` of CreateProducer. */
  reference(): danube.SchemaReference;
  /** Registers if asked to, then resolves the version to stamp on messages. */
  resolve(registry: SchemaRegistryWriter, options?: CallOptions): Promise<ResolvedBinding>;
  /** Validates and encodes one value (SchemaValidationError, INVALID_ARGUMENT, when invalid). */
  encode(value: T): Uint8Array;
}

function isNotFound(error: unknown): boolean {
  return error instanceof DanubeError && error.code === ErrorCode.NOT_FOUND;
}

/** The version of `subject` holding the serde's schema, if one does. */
async function findRegistered<T>(
  registry: SchemaRegistryReader,
  latest: ResolvedSchema,
  serde: Serde<T>,
  options: CallOptions | undefined,
): Promise<ResolvedSchema | undefined> {
  if (isSameSchema(serde.parsed, latest)) return latest;
  const versions = await registry.listVersions(latest.subject, options);
  const candidates = [...versions].reverse().filter((v) => v.version !== latest.version);
  const byFingerprint = candidates.filter((v) => v.fingerprint === serde.parsed.fingerprint);
  for (const v of [...byFingerprint, ...candidates.filter((c) => !byFingerprint.includes(c))]) {
    let version: ResolvedSchema;
    try {
      version = await registry.getSchema(latest.schemaId, v.version, options);
    } catch (error) {
      if (isNotFound(error)) continue;
      throw error;
    }
    if (isSameSchema(serde.parsed, version)) return version;
  }
  return undefined;
}

/**
 * Makes sure the serde's schema is registered under `subject`: registers it when the subject is
 * missing, does nothing when some version already holds it, else checks compatibility and adds
 * it as a new version (FAILED_PRECONDITION naming the incompatibilities when the check fails).
 */
export async function ensureRegistered<T>(
  registry: SchemaRegistryWriter,
  subject: string,
  serde: Serde<T>,
  meta: AutoRegisterOptions,
  options?: CallOptions,
): Promise<void> {
  const register = () =>
    registry.registerSchema(
      { subject, schemaType: serde.schemaType, schema: serde.definition, ...meta },
      options,
    );
  let latest: ResolvedSchema;
  try {
    latest = await registry.getLatestSchema(subject, options);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await register();
    return;
  }
  if ((await findRegistered(registry, latest, serde, options)) !== undefined) return;
  const check = await registry.checkCompatibility(
    { subject, schemaType: serde.schemaType, schema: serde.definition },
    options,
  );
  if (!check.compatible) {
    const errors = check.errors.length > 0 ? check.errors.join("; ") : "no details given";
    throw new DanubeError(
      ErrorCode.FAILED_PRECONDITION,
      `cannot auto-register the ${serde.schemaType} schema as a new version of subject '${subject}': it is not compatible with version ${latest.version} (mode ${latest.compatibilityMode}): ${errors}`,
    );
  }
  await register();
}

/** Binds a serde to a registry subject for a producer. */
export function schemaBinding<T>(options: SchemaBindingOptions<T>): SchemaBinding<T> {
  if (typeof options !== "object" || options === null) throw invalidArgument("schema", "must be an object");
  const { subject, serde } = options;
  if (typeof subject !== "string" || subject.trim().length === 0) {
    throw invalidArgument("schema.subject", "is required and must be a non-empty string");
  }
  if (typeof serde !== "object" || serde === null || typeof serde.encode !== "function") {
    throw invalidArgument("schema.serde", "is required (use serdes.json(), serdes.avro(), ...)");
  }
  const version = normalizeVersionRef(options.version);
  const auto = options.autoRegister;
  const autoRegister = auto === true ? {} : auto === false || auto === undefined ? undefined : { ...auto };
  const verify = (options.verifySchema ?? true) && serde.schemaType !== "bytes";
  return {
    subject,
    serde,
    version,
    autoRegister,
    reference: () => schemaReference(subject, version),
    async resolve(registry, callOptions) {
      if (autoRegister !== undefined) {
        await ensureRegistered(registry, subject, serde, autoRegister, callOptions);
      }
      const schema = await resolveVersionRef(registry, subject, version, callOptions);
      if (verify && !isSameSchema(serde.parsed, schema)) {
        const kind = schema.schemaType === serde.schemaType ? "schema" : `${schema.schemaType} schema`;
        throw new DanubeError(
          ErrorCode.FAILED_PRECONDITION,
          `the serde's ${serde.schemaType} schema is not version ${schema.version} of subject '${subject}' (a different ${kind}); messages would carry the wrong schema version. Register the serde's schema (autoRegister: true) or pin the version that holds it`,
        );
      }
      return { schemaId: schema.schemaId, version: schema.version, schema };
    },
    encode: (value) => serde.encode(value),
  };
}
