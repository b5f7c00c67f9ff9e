import {
  type CompatibilityMode,
  type CompatibilityResult,
  type CompatibilityRules,
  type ParsedSchema,
  parseCompatibilityMode,
  parseSchema,
  type VetResult,
  type VetTask,
} from "@danube-ts/schema";
import { internal, invalidArgument, notFound, unavailable } from "../errors.ts";
import type { MetadataStore } from "../storage/index.ts";
import { debugName, nowSeconds, registryKeys, type SubjectRecord, type VersionRecord } from "./records.ts";

export interface RegisterInput {
  subject: string;
  schemaType: string;
  definition: Uint8Array;
  description: string;
  createdBy: string;
  tags: string[];
}

export interface RegisterResult {
  schemaId: bigint;
  version: number;
  isNewVersion: boolean;
  fingerprint: string;
}

/** One version as the read RPCs return it. */
export interface SchemaVersionView {
  id: bigint;
  subject: string;
  compatibilityMode: CompatibilityMode;
  version: VersionRecord;
}

export interface SubjectView {
  id: bigint;
  subject: string;
  compatibilityMode: CompatibilityMode;
  /** The latest version that was not deleted; undefined when every version was deleted. */
  latest: VersionRecord | undefined;
}

interface VersionState {
  readonly record: VersionRecord;
  /** Parsed on first use and kept: the (id, version) cache validation and compatibility use. */
  parsed: ParsedSchema | undefined;
}

interface SubjectState {
  record: SubjectRecord;
  /** Versions not deleted, ascending. */
  versions: VersionState[];
}

const decoder = new TextDecoder();

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const metadataNotFound = (subject: string) => `Schema metadata not found for subject: ${subject}`;

/** Runs a vetting task (parse + compatibility check) off the event loop. */
export type Vetter = (task: VetTask) => Promise<VetResult>;

/**
 * Subjects and their versions, with upstream's identity rules: one id per subject (a global
 * counter from 1), versions 1..n per subject, dedupe by fingerprint against the live versions,
 * `created_at` in Unix seconds, default mode backward. Unlike upstream, a deleted version
 * disappears from latest, lists and dedupe, and its number is never given out again.
 *
 * Parsing and compatibility checks of a candidate run on the schema worker (`vet`), so a hostile
 * schema never blocks the event loop. Registrations of one subject run one after the other; the
 * change itself is made in memory synchronously and resolves once the store has made it durable.
 */
export class SubjectCatalog {
  private readonly bySubject = new Map<string, SubjectState>();
  private readonly byId = new Map<bigint, SubjectState>();
  private nextId = 1n;
  /** The last registration queued per subject: the next one waits for it. */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: MetadataStore,
    private readonly rules: CompatibilityRules,
    private readonly vet: Vetter,
  ) {
    this.load();
  }

  has(subject: string): boolean {
    return this.bySubject.has(subject);
  }

  idOf(subject: string): bigint | undefined {
    return this.bySubject.get(subject)?.record.id;
  }

  subjectOf(id: bigint): string | undefined {
    return this.byId.get(id)?.record.subject;
  }

  async register(input: RegisterInput): Promise<RegisterResult> {
    if (input.subject.length === 0) throw invalidArgument("subject is required");
    return this.serially(input.subject, () => this.registerNow(input));
  }

  /** Runs `work` after every earlier registration of `subject` settled. */
  private serially<T>(subject: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(subject) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => {});
    this.tails.set(subject, tail);
    void tail.then(() => {
      if (this.tails.get(subject) === tail) this.tails.delete(subject);
    });
    return result;
  }

  /** The versions `mode` compares a candidate with: the latest, or all of them for transitive modes. */
  private targets(state: SubjectState, mode: CompatibilityMode): VersionState[] {
    if (mode === "none") return [];
    return mode.endsWith("_transitive") ? state.versions : state.versions.slice(-1);
  }

  private async vetted(
    state: SubjectState | undefined,
    mode: CompatibilityMode,
    schemaType: string,
    definition: Uint8Array,
    dedupe: boolean,
  ): Promise<VetResult> {
    const versions = dedupe ? (state?.versions ?? []) : [];
    return this.vet({
      schemaType,
      definition,
      previous: state ? this.targets(state, mode).map((v) => v.record) : [],
      mode,
      rules: this.rules,
      // A duplicate of a live version is returned as is (no check), as upstream does.
      known: versions.map((v) => `${v.record.schemaType}:${v.record.fingerprint}`),
    });
  }

  private async registerNow(input: RegisterInput): Promise<RegisterResult> {
    const existing = this.bySubject.get(input.subject);
    const mode = existing?.record.compatibilityMode ?? "none";
    const vetted = await this.vetted(existing, mode, input.schemaType, input.definition, true);
    if (!vetted.ok) throw internal(`Failed to register schema: ${vetted.message}`);
    const primitive = vetted.type === "bytes" || vetted.type === "string" || vetted.type === "number";
    if (existing) {
      // Same text registered as another type (possible under mode none) is a new version.
      const same = existing.versions.find(
        (v) => v.record.fingerprint === vetted.fingerprint && v.record.schemaType === vetted.type,
      );
      if (same) {
        return {
          schemaId: existing.record.id,
          version: same.record.version,
          isNewVersion: false,
          fingerprint: same.record.fingerprint,
        };
      }
      if (!vetted.compatible) {
        throw internal(
          `Failed to register schema: Schema is not compatible with subject '${input.subject}' (mode: ${debugName(mode)}): ${vetted.errors.join("; ")}`,
        );
      }
    }
    const createdAt = nowSeconds();
    const state: SubjectState = existing ?? {
      record: {
        id: this.nextId,
        subject: input.subject,
        compatibilityMode: "backward",
        lastVersion: 0,
        createdAt,
        createdBy: input.createdBy,
      },
      versions: [],
    };
    const record: VersionRecord = {
      version: state.record.lastVersion + 1,
      schemaType: vetted.type,
      definition: primitive ? "" : decoder.decode(input.definition),
      fingerprint: vetted.fingerprint,
      createdAt,
      createdBy: input.createdBy,
      description: input.description,
      tags: [...input.tags],
    };
    state.record = { ...state.record, lastVersion: record.version };
    state.versions.push({ record, parsed: undefined });
    const writes: Promise<void>[] = [];
    if (!existing) {
      this.nextId++;
      this.bySubject.set(input.subject, state);
      this.byId.set(state.record.id, state);
      writes.push(this.store.put(registryKeys.nextId, this.nextId));
    }
    // Counter, version, then subject (one batch, written in order). A torn write leaves at worst a
    // version whose subject record is stale (load() takes the highest version) or missing (a new
    // subject, never acknowledged: load() ignores it); never a subject without its version.
    writes.push(this.store.put(registryKeys.version(state.record.id, record.version), record));
    writes.push(this.store.put(registryKeys.subject(input.subject), state.record));
    try {
      await Promise.all(writes);
    } catch (err) {
      // Not durable (a full disk): the version must not stay visible. Storage failures are
      // transient: UNAVAILABLE (retryable), not INTERNAL.
      state.versions = state.versions.filter((v) => v.record !== record);
      if (state.record.lastVersion === record.version) {
        state.record = { ...state.record, lastVersion: record.version - 1 };
      }
      if (!existing && state.versions.length === 0 && this.bySubject.get(input.subject) === state) {
        this.bySubject.delete(input.subject);
        this.byId.delete(state.record.id);
      }
      throw unavailable(`Failed to register schema: ${messageOf(err)}`);
    }
    return {
      schemaId: state.record.id,
      version: record.version,
      isNewVersion: true,
      fingerprint: record.fingerprint,
    };
  }

  /** GetSchema: a version of the subject with this id, the latest when `version` is undefined. */
  byIdAndVersion(id: bigint, version: number | undefined): SchemaVersionView {
    const state = this.byId.get(id);
    const found =
      version === undefined
        ? state?.versions.at(-1)
        : state?.versions.find((v) => v.record.version === version);
    if (!state || !found) throw notFound(`Schema not found for ID: ${id}`);
    return this.view(state, found);
  }

  latest(subject: string): SchemaVersionView {
    const state = this.bySubject.get(subject);
    const found = state?.versions.at(-1);
    if (!state || !found) throw notFound(`Schema not found for subject: ${subject}`);
    return this.view(state, found);
  }

  /** ListVersions: the live versions, ascending. */
  versions(subject: string): { id: bigint; versions: VersionRecord[] } {
    const state = this.bySubject.get(subject);
    if (!state) throw notFound(`Subject not found: ${subject}`);
    return { id: state.record.id, versions: state.versions.map((v) => v.record) };
  }

  /** Every subject, sorted by name. */
  subjects(): SubjectView[] {
    return [...this.bySubject.keys()].sort().map((name) => this.subject(name)!);
  }

  subject(name: string): SubjectView | undefined {
    const state = this.bySubject.get(name);
    if (!state) return undefined;
    return {
      id: state.record.id,
      subject: state.record.subject,
      compatibilityMode: state.record.compatibilityMode,
      latest: state.versions.at(-1)?.record,
    };
  }

  /**
   * CheckCompatibility against the live versions. An unparseable `modeOverride` is ignored (the
   * subject's mode applies), as upstream does.
   */
  async check(
    subject: string,
    schemaType: string,
    definition: Uint8Array,
    modeOverride?: string,
  ): Promise<CompatibilityResult> {
    const state = this.bySubject.get(subject);
    let mode = state?.record.compatibilityMode ?? "none";
    if (modeOverride !== undefined) {
      try {
        mode = parseCompatibilityMode(modeOverride);
      } catch {
        // ignored, as upstream
      }
    }
    // The candidate is parsed first, so an invalid schema is reported even for an unknown subject.
    const vetted = await this.vetted(state, mode, schemaType, definition, false);
    if (!vetted.ok) throw internal(`Failed to check compatibility: ${vetted.message}`);
    if (!state) throw internal(`Failed to check compatibility: ${metadataNotFound(subject)}`);
    if (mode === "none" || state.versions.length === 0) return { compatible: true, errors: [] };
    return { compatible: vetted.compatible, errors: vetted.errors };
  }

  /**
   * Deletes one version: it leaves latest, lists and dedupe, and its number is not reused.
   * Deleting an already deleted version succeeds again (safe to retry); a version never assigned
   * is NOT_FOUND.
   */
  async deleteVersion(subject: string, version: number): Promise<string> {
    const state = this.bySubject.get(subject);
    if (!state) throw notFound(`Subject not found: ${subject}`);
    if (version < 1 || version > state.record.lastVersion) {
      throw notFound(`Version ${version} not found for subject ${subject}`);
    }
    const index = state.versions.findIndex((v) => v.record.version === version);
    if (index >= 0) {
      state.versions.splice(index, 1);
      try {
        await this.store.delete(registryKeys.version(state.record.id, version));
      } catch (err) {
        throw internal(`Failed to delete schema version: ${messageOf(err)}`);
      }
    }
    return `Deleted version ${version} for subject ${subject}`;
  }

  async setCompatibilityMode(subject: string, modeText: string): Promise<string> {
    let mode: CompatibilityMode;
    try {
      mode = parseCompatibilityMode(modeText);
    } catch {
      throw invalidArgument(`Invalid compatibility mode: ${modeText}`);
    }
    const state = this.bySubject.get(subject);
    if (!state) throw internal(`Failed to set compatibility mode: ${metadataNotFound(subject)}`);
    state.record = { ...state.record, compatibilityMode: mode };
    try {
      await this.store.put(registryKeys.subject(subject), state.record);
    } catch (err) {
      throw internal(`Failed to set compatibility mode: ${messageOf(err)}`);
    }
    return `Set compatibility mode to ${modeText} for subject ${subject}`;
  }

  /**
   * The parsed schema a message stamped with (id, version) validates against. Undefined when the
   * id or version is unknown (or deleted).
   */
  /** A live version's record. */
  versionRecord(id: bigint, version: number): VersionRecord | undefined {
    return this.byId.get(id)?.versions.find((v) => v.record.version === version)?.record;
  }

  parsedVersion(id: bigint, version: number): ParsedSchema | undefined {
    const found = this.byId.get(id)?.versions.find((v) => v.record.version === version);
    return found && this.parsedOf(found);
  }

  private parsedOf(version: VersionState): ParsedSchema {
    if (!version.parsed) {
      try {
        version.parsed = parseSchema(version.record.schemaType, version.record.definition);
      } catch (err) {
        throw internal(`stored schema version ${version.record.version} no longer parses: ${messageOf(err)}`);
      }
    }
    return version.parsed;
  }

  private view(state: SubjectState, version: VersionState): SchemaVersionView {
    return {
      id: state.record.id,
      subject: state.record.subject,
      compatibilityMode: state.record.compatibilityMode,
      version: version.record,
    };
  }

  private load(): void {
    let maxId = 0n;
    for (const [, record] of this.store.list<SubjectRecord>(registryKeys.subjectPrefix)) {
      const state: SubjectState = { record, versions: [] };
      this.bySubject.set(record.subject, state);
      this.byId.set(record.id, state);
      if (record.id > maxId) maxId = record.id;
    }
    for (const [key, record] of this.store.list<VersionRecord>(registryKeys.versionPrefix)) {
      const id = key.slice(registryKeys.versionPrefix.length).split("/")[0];
      // Versions of a subject whose record never became durable were never acknowledged.
      const state = id === undefined || !/^\d+$/.test(id) ? undefined : this.byId.get(BigInt(id));
      state?.versions.push({ record, parsed: undefined });
    }
    for (const state of this.byId.values()) {
      state.versions.sort((a, b) => a.record.version - b.record.version);
      const last = state.versions.at(-1)?.record.version ?? 0;
      if (last > state.record.lastVersion) state.record = { ...state.record, lastVersion: last };
    }
    const stored = this.store.get<bigint>(registryKeys.nextId) ?? 1n;
    this.nextId = stored > maxId ? stored : maxId + 1n;
  }
}
