// Payload validation against a stored schema version without stalling the event loop. A small
// definition is parsed and compiled here once and kept (a few milliseconds); a larger one would
// compile for hundreds of milliseconds to seconds (ajv generates code per property; protobufjs and
// V8's first compile of the generated code add to it), so its payloads are validated on a worker
// thread that keeps the compiled schema. The caller awaits the answer before the message is
// sequenced (core/publish-gate.ts keeps the topic's order meanwhile).
import type { ParsedSchema, PayloadResult, PayloadTask, ValidationIssue } from "@danube-ts/schema";
import type { VersionRecord } from "./records.ts";

/**
 * Definitions up to this many UTF-16 units are compiled on the event loop. Measured on a loaded
 * 2-core machine: a 4 KB JSON Schema (100 properties) compiles in about 20-40 ms, an 8 KB one in
 * 80 ms, 130 KB in 760 ms plus 90 ms for V8's first call; a 90 KB `.proto` parses in 1.2 s.
 */
export const INLINE_SCHEMA_CHARS = 4 * 1024;

/** A payload's verdict, or why the schema could not be used. */
export type PayloadVerdict =
  | { valid: true }
  | { valid: false; errors: ValidationIssue[] }
  | { failed: string };

export interface PayloadCheckDeps {
  /** Parses (once, then cached) a stored version on the event loop; throws when it no longer parses. */
  parsedVersion(id: bigint, version: number): ParsedSchema | undefined;
  /** Runs a task on the validation worker (never rejects). */
  runOnWorker(task: PayloadTask): Promise<PayloadResult>;
  /** Definitions longer than this go to the worker. @default INLINE_SCHEMA_CHARS */
  inlineChars?: number;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * A schema the worker could not compile (past the time limit, or no longer parsing) is not tried
 * again for this long: every message would otherwise wait the whole time limit once more.
 */
export const FAILED_SCHEMA_RETRY_MS = 60_000;

export class PayloadChecks {
  private readonly inlineChars: number;
  /** Schemas the worker could not compile, by key: the reason and until when it is answered as is. */
  private readonly failed = new Map<string, { reason: string; until: number }>();

  constructor(private readonly deps: PayloadCheckDeps) {
    this.inlineChars = deps.inlineChars ?? INLINE_SCHEMA_CHARS;
  }

  /** Synchronous for small schemas; a promise (never rejecting) for large ones. */
  check(id: bigint, record: VersionRecord, payload: Uint8Array): PayloadVerdict | Promise<PayloadVerdict> {
    if (record.definition.length <= this.inlineChars) {
      let parsed: ParsedSchema | undefined;
      try {
        parsed = this.deps.parsedVersion(id, record.version);
      } catch (err) {
        return { failed: messageOf(err) };
      }
      if (!parsed) return { failed: `version ${record.version} is gone` };
      const result = parsed.validate(payload);
      return result.valid ? { valid: true } : { valid: false, errors: result.errors };
    }
    return this.onWorker(record, payload);
  }

  private async onWorker(record: VersionRecord, payload: Uint8Array): Promise<PayloadVerdict> {
    const key = `${record.schemaType}:${record.fingerprint}`;
    const known = this.failed.get(key);
    if (known && known.until > Date.now()) return { failed: known.reason };
    const base = { kind: "payload" as const, key, payload };
    let result = await this.deps.runOnWorker({ ...base, schemaType: record.schemaType });
    if (!result.ok && result.code === "MISSING") {
      result = await this.deps.runOnWorker({
        ...base,
        schemaType: record.schemaType,
        definition: record.definition,
      });
    }
    if (!result.ok) {
      this.failed.set(key, { reason: result.message, until: Date.now() + FAILED_SCHEMA_RETRY_MS });
      return { failed: result.message };
    }
    this.failed.delete(key);
    return result.valid ? { valid: true } : { valid: false, errors: result.errors };
  }
}
