// The schema registry client: typed calls to danube_schema.SchemaRegistry on the service URL.
import { type schema, unwrapSchemaDefinition } from "@danube-ts/protocol";
import { parseCompatibilityMode, parseSchemaType, type SchemaType } from "@danube-ts/schema";
import { Metadata } from "@grpc/grpc-js";
import { createCallContext, waitFor } from "../call-context.ts";
import { traceSchemaCall } from "../diagnostics/hooks.ts";
import { invalidArgument } from "../errors.ts";
import { type CallOptions, requireName, validateCallOptions, validateTopic } from "../options.ts";
import { type RetryHooks, type RetryPolicy, withRetry } from "../retry.ts";
import { type UnaryInvoker, unaryCall } from "../transport/unary.ts";
import { SchemaCache } from "./cache.ts";
import type { SchemaRegistry } from "./registry.ts";
import {
  type ResolvedSchema,
  type SchemaDefinitionInput,
  type SchemaVersionInfo,
  ValidationPolicy,
} from "./types.ts";

/** What the registry client needs from its owner (the client, or a standalone connection). */
export interface SchemaRegistryConnection {
  /** The SchemaRegistry stub on the service URL (called for every RPC; may create it lazily). */
  stub(): schema.SchemaRegistryClient;
  /**
   * Request metadata of every call (auth headers).
   * @default empty metadata
   */
  metadata?(): Metadata;
  /** Default time limit of every call, retries included. */
  requestTimeoutMs: number;
  /** Retry policy for retryable failures (UNAVAILABLE, ...). */
  retry: RetryPolicy;
  /** Told of each retry (the client's observer); without it retries only go to the retry channel. */
  onRetry?: RetryHooks["onRetry"];
  /** Aborted when the owner closes: pending calls fail with CANCELLED. */
  closeSignal?: AbortSignal;
  /**
   * Schema versions kept in the (id, version) cache.
   * @default 1000
   */
  cacheSize?: number;
}

const encoder = new TextEncoder();
const validationPolicies = new Set<string>(Object.values(ValidationPolicy));

function requireVersion(value: unknown, option = "version"): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 0xffff_ffff) {
    throw invalidArgument(option, `must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}

function requireSchemaId(value: unknown): bigint {
  const id = typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof id !== "bigint" || id < 0n || id >= 2n ** 64n) {
    throw invalidArgument("schemaId", `must be an unsigned 64-bit integer, got ${String(value)}`);
  }
  return id;
}

function schemaTypeOf(value: unknown): SchemaType {
  if (typeof value !== "string") throw invalidArgument("schemaType", "is required");
  try {
    return parseSchemaType(value);
  } catch {
    throw invalidArgument(
      "schemaType",
      `"${value}" is unknown; use avro, json_schema, protobuf, string, number or bytes`,
    );
  }
}

function modeOf(value: unknown, option: string): string {
  if (typeof value !== "string") throw invalidArgument(option, "is required");
  try {
    return parseCompatibilityMode(value);
  } catch {
    throw invalidArgument(option, `"${value}" is not a compatibility mode`);
  }
}

function policyOf(value: unknown): string {
  const policy = typeof value === "string" ? value.toLowerCase() : value;
  if (typeof policy !== "string" || !validationPolicies.has(policy)) {
    throw invalidArgument("validationPolicy", `must be none, warn or enforce, got ${String(value)}`);
  }
  return policy;
}

/** The definition bytes sent to the broker. */
export function definitionBytes(input: SchemaDefinitionInput | undefined): Uint8Array {
  if (input === undefined) return new Uint8Array(0);
  if (input instanceof Uint8Array) return input;
  if (typeof input === "string") return encoder.encode(input);
  if (typeof input === "object" && input !== null) return encoder.encode(JSON.stringify(input));
  throw invalidArgument("schema", "must be text, bytes or a JSON value");
}

const seconds = (s: bigint): Date => new Date(Number(s) * 1000);

/** A GetSchema answer with the envelope unwrapped. */
export function resolvedFromWire(response: schema.GetSchemaResponse): ResolvedSchema {
  const schemaType = parseSchemaType(response.schemaType || "bytes");
  return {
    schemaId: response.schemaId,
    version: response.version,
    subject: response.subject,
    schemaType,
    definition: unwrapSchemaDefinition(response.schemaDefinition, schemaType),
    description: response.description,
    createdAt: seconds(response.createdAt),
    createdBy: response.createdBy,
    tags: [...response.tags],
    fingerprint: response.fingerprint,
    compatibilityMode: response.compatibilityMode.toLowerCase(),
  };
}

function versionFromWire(v: schema.SchemaVersionInfo): SchemaVersionInfo {
  return {
    version: v.version,
    schemaId: v.schemaId,
    createdAt: seconds(v.createdAt),
    createdBy: v.createdBy,
    description: v.description,
    fingerprint: v.fingerprint,
  };
}

/** The schema registry on `connection`, with a cache of versions by (id, version). */
export function createSchemaRegistryClient(connection: SchemaRegistryConnection): SchemaRegistry {
  const cache = new SchemaCache(connection.cacheSize);
  const metadata = () => connection.metadata?.() ?? new Metadata();

  /** One RPC under a call context, retried like every client call. */
  function call<Res>(
    operation: string,
    rpc: string,
    options: CallOptions | undefined,
    invoke: (stub: schema.SchemaRegistryClient, md: Metadata) => UnaryInvoker<Res>,
  ): Promise<Res> {
    validateCallOptions(options);
    const ctx = createCallContext(operation, options, connection.requestTimeoutMs, connection.closeSignal);
    return traceSchemaCall(operation, rpc, () =>
      withRetry(
        ctx,
        connection.retry,
        () => unaryCall<Res>(ctx, rpc, invoke(connection.stub(), metadata())),
        {
          onRetry: connection.onRetry,
        },
      ),
    );
  }

  const fetchSchema = async (schemaId: bigint, version: number | undefined, options?: CallOptions) => {
    const response = await call<schema.GetSchemaResponse>(
      "getSchema",
      "GetSchema",
      options,
      (stub, md) => (opts, cb) => stub.getSchema({ schemaId, version }, md, opts, cb),
    );
    return resolvedFromWire(response);
  };

  return {
    async registerSchema(request, options) {
      if (typeof request !== "object" || request === null) throw invalidArgument("request", "is required");
      const subject = requireName(request.subject, "subject");
      const schemaType = schemaTypeOf(request.schemaType);
      const wire: schema.RegisterSchemaRequest = {
        subject,
        schemaType,
        schemaDefinition: definitionBytes(request.schema),
        description: request.description ?? "",
        createdBy: request.createdBy ?? "danube-ts",
        tags: [...(request.tags ?? [])],
      };
      const r = await call<schema.RegisterSchemaResponse>(
        "registerSchema",
        "RegisterSchema",
        options,
        (stub, md) => (opts, cb) => stub.registerSchema(wire, md, opts, cb),
      );
      return {
        schemaId: r.schemaId,
        version: r.version,
        isNewVersion: r.isNewVersion,
        fingerprint: r.fingerprint,
      };
    },

    async getSchema(schemaId, version, options) {
      const id = requireSchemaId(schemaId);
      if (version === undefined) {
        const latest = await fetchSchema(id, undefined, options);
        cache.put(latest);
        return latest;
      }
      const v = requireVersion(version);
      validateCallOptions(options);
      const cached = cache.peek(id, v);
      if (cached !== undefined) return cached;
      // The fetch is shared with concurrent callers, so it runs under the registry's own close
      // signal and default timeout; each caller waits under its own signal and deadline.
      const ctx = createCallContext(
        "getSchema",
        options,
        connection.requestTimeoutMs,
        connection.closeSignal,
      );
      return waitFor(
        cache.get(id, v, () => fetchSchema(id, v, undefined)),
        ctx,
      );
    },

    async getLatestSchema(subject, options) {
      const name = requireName(subject, "subject");
      const response = await call<schema.GetSchemaResponse>(
        "getLatestSchema",
        "GetLatestSchema",
        options,
        (stub, md) => (opts, cb) => stub.getLatestSchema({ subject: name }, md, opts, cb),
      );
      const latest = resolvedFromWire(response);
      cache.put(latest);
      return latest;
    },

    async listVersions(subject, options) {
      const name = requireName(subject, "subject");
      const r = await call<schema.ListVersionsResponse>(
        "listVersions",
        "ListVersions",
        options,
        (stub, md) => (opts, cb) => stub.listVersions({ subject: name }, md, opts, cb),
      );
      return r.versions.map(versionFromWire).sort((a, b) => a.version - b.version);
    },

    async listSubjects(options) {
      const r = await call<schema.ListSubjectsResponse>(
        "listSubjects",
        "ListSubjects",
        options,
        (stub, md) => (opts, cb) => stub.listSubjects({}, md, opts, cb),
      );
      return r.subjects
        .map((s) => ({
          subject: s.subject,
          schemaId: s.schemaId,
          schemaType: s.schemaType,
          latestVersion: s.latestVersion,
          compatibilityMode: s.compatibilityMode.toLowerCase(),
          tags: [...s.tags],
        }))
        .sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
    },

    async checkCompatibility(request, options) {
      if (typeof request !== "object" || request === null) throw invalidArgument("request", "is required");
      const wire: schema.CheckCompatibilityRequest = {
        subject: requireName(request.subject, "subject"),
        schemaType: schemaTypeOf(request.schemaType),
        newSchemaDefinition: definitionBytes(request.schema),
        compatibilityMode: request.mode === undefined ? undefined : modeOf(request.mode, "mode"),
      };
      const r = await call<schema.CheckCompatibilityResponse>(
        "checkCompatibility",
        "CheckCompatibility",
        options,
        (stub, md) => (opts, cb) => stub.checkCompatibility(wire, md, opts, cb),
      );
      return { compatible: r.isCompatible, errors: [...r.errors] };
    },

    async setCompatibilityMode(subject, mode, options) {
      const wire = { subject: requireName(subject, "subject"), compatibilityMode: modeOf(mode, "mode") };
      const r = await call<schema.SetCompatibilityModeResponse>(
        "setCompatibilityMode",
        "SetCompatibilityMode",
        options,
        (stub, md) => (opts, cb) => stub.setCompatibilityMode(wire, md, opts, cb),
      );
      return r.message;
    },

    async deleteSchemaVersion(subject, version, options) {
      const wire = { subject: requireName(subject, "subject"), version: requireVersion(version) };
      const r = await call<schema.DeleteSchemaVersionResponse>(
        "deleteSchemaVersion",
        "DeleteSchemaVersion",
        options,
        (stub, md) => (opts, cb) => stub.deleteSchemaVersion(wire, md, opts, cb),
      );
      cache.deleteSubjectVersion(wire.subject, wire.version);
      return r.message;
    },

    async configureTopicSchema(request, options) {
      if (typeof request !== "object" || request === null) throw invalidArgument("request", "is required");
      const wire: schema.ConfigureTopicSchemaRequest = {
        topicName: validateTopic(request.topic),
        schemaSubject: requireName(request.subject, "subject"),
        validationPolicy: policyOf(request.validationPolicy ?? ValidationPolicy.Warn),
        enablePayloadValidation: request.enablePayloadValidation ?? false,
      };
      const r = await call<schema.ConfigureTopicSchemaResponse>(
        "configureTopicSchema",
        "ConfigureTopicSchema",
        options,
        (stub, md) => (opts, cb) => stub.configureTopicSchema(wire, md, opts, cb),
      );
      return r.message;
    },

    async updateTopicValidationPolicy(request, options) {
      if (typeof request !== "object" || request === null) throw invalidArgument("request", "is required");
      const wire: schema.UpdateTopicValidationPolicyRequest = {
        topicName: validateTopic(request.topic),
        validationPolicy: policyOf(request.validationPolicy),
        enablePayloadValidation: request.enablePayloadValidation ?? false,
      };
      const r = await call<schema.UpdateTopicValidationPolicyResponse>(
        "updateTopicValidationPolicy",
        "UpdateTopicValidationPolicy",
        options,
        (stub, md) => (opts, cb) => stub.updateTopicValidationPolicy(wire, md, opts, cb),
      );
      return r.message;
    },

    async getTopicSchemaConfig(topic, options) {
      const topicName = validateTopic(topic);
      const r = await call<schema.GetTopicSchemaConfigResponse>(
        "getTopicSchemaConfig",
        "GetTopicSchemaConfig",
        options,
        (stub, md) => (opts, cb) => stub.getTopicSchemaConfig({ topicName }, md, opts, cb),
      );
      return {
        subject: r.schemaSubject === "" ? undefined : r.schemaSubject,
        validationPolicy: r.validationPolicy.toLowerCase(),
        enablePayloadValidation: r.enablePayloadValidation,
        schemaId: r.schemaId,
      };
    },
  };
}
