import type { schema } from "@danube-ts/protocol";
import type { Logger } from "../logger.ts";
import { schemaEnvelope } from "../registry/envelope.ts";
import type { SchemaRegistry, SchemaVersionView } from "../registry/index.ts";
import { unary } from "./handlers.ts";

export interface SchemaServiceContext {
  registry: SchemaRegistry;
  logger: Logger;
}

/** GetSchema / GetLatestSchema answer; `schema_definition` is upstream's JSON envelope. */
function schemaResponse(view: SchemaVersionView): schema.GetSchemaResponse {
  const { version } = view;
  return {
    schemaId: view.id,
    version: version.version,
    subject: view.subject,
    schemaType: version.schemaType,
    schemaDefinition: schemaEnvelope(version),
    description: version.description,
    createdAt: version.createdAt,
    createdBy: version.createdBy,
    tags: [...version.tags],
    fingerprint: version.fingerprint,
    compatibilityMode: view.compatibilityMode,
  };
}

/**
 * danube_schema.SchemaRegistry, served on both the client and the admin listener. Status codes
 * and messages come from the registry (upstream's); this layer only maps messages.
 */
export function schemaRegistryService({
  registry,
  logger,
}: SchemaServiceContext): schema.SchemaRegistryServer {
  return {
    registerSchema: unary(logger, (req: schema.RegisterSchemaRequest) =>
      registry.register({
        subject: req.subject,
        schemaType: req.schemaType,
        definition: req.schemaDefinition,
        description: req.description,
        createdBy: req.createdBy,
        tags: req.tags,
      }),
    ),
    getSchema: unary(logger, (req: schema.GetSchemaRequest) =>
      schemaResponse(registry.byIdAndVersion(req.schemaId, req.version)),
    ),
    getLatestSchema: unary(logger, (req: schema.GetLatestSchemaRequest) =>
      schemaResponse(registry.latest(req.subject)),
    ),
    listVersions: unary(logger, (req: schema.ListVersionsRequest) => {
      const { id, versions } = registry.versions(req.subject);
      return {
        versions: versions.map((v) => ({
          version: v.version,
          createdAt: v.createdAt,
          createdBy: v.createdBy,
          description: v.description,
          fingerprint: v.fingerprint,
          schemaId: id,
        })),
      };
    }),
    checkCompatibility: unary(logger, async (req: schema.CheckCompatibilityRequest) => {
      const result = await registry.check(
        req.subject,
        req.schemaType,
        req.newSchemaDefinition,
        req.compatibilityMode,
      );
      return { isCompatible: result.compatible, errors: result.errors };
    }),
    deleteSchemaVersion: unary(logger, async (req: schema.DeleteSchemaVersionRequest) => ({
      success: true,
      message: await registry.deleteVersion(req.subject, req.version),
    })),
    setCompatibilityMode: unary(logger, async (req: schema.SetCompatibilityModeRequest) => ({
      success: true,
      message: await registry.setCompatibilityMode(req.subject, req.compatibilityMode),
    })),
    configureTopicSchema: unary(logger, async (req: schema.ConfigureTopicSchemaRequest) => ({
      success: true,
      message: await registry.configureTopicSchema(
        req.topicName,
        req.schemaSubject,
        req.validationPolicy,
        req.enablePayloadValidation,
      ),
    })),
    updateTopicValidationPolicy: unary(logger, async (req: schema.UpdateTopicValidationPolicyRequest) => ({
      success: true,
      message: await registry.updateTopicValidationPolicy(
        req.topicName,
        req.validationPolicy,
        req.enablePayloadValidation,
      ),
    })),
    getTopicSchemaConfig: unary(logger, (req: schema.GetTopicSchemaConfigRequest) => {
      const config = registry.topicSchemaConfig(req.topicName);
      return {
        schemaSubject: config.subject,
        validationPolicy: config.validationPolicy,
        enablePayloadValidation: config.enablePayloadValidation,
        schemaId: config.schemaId,
      };
    }),
    listSubjects: unary(logger, () => ({
      subjects: registry.subjects().map((s) => ({
        subject: s.subject,
        // upstream's choice for a subject without versions
        schemaType: s.latest?.schemaType ?? "bytes",
        latestVersion: s.latest?.version ?? 0,
        compatibilityMode: s.compatibilityMode,
        schemaId: s.id,
        tags: s.latest ? [...s.latest.tags] : [],
      })),
    })),
  };
}
