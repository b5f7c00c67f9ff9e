import { failedPrecondition, internal } from "../errors.ts";
import type { MetadataStore } from "../storage/index.ts";
import {
  debugName,
  defaultTopicPolicy,
  registryKeys,
  type TopicSchemaRecord,
  type ValidationPolicy,
} from "./records.ts";

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The schema configuration of each topic (subject, validation policy, payload validation),
 * persisted under `topic-schema/<topic>`. Only topics with a subject have an entry, so the publish
 * path pays one Map lookup for every other topic.
 */
export class TopicSchemaConfigs {
  private readonly configs = new Map<string, TopicSchemaRecord>();

  constructor(private readonly store: MetadataStore) {
    for (const [key, record] of store.list<TopicSchemaRecord>(registryKeys.topicPrefix)) {
      this.configs.set(key.slice(registryKeys.topicPrefix.length), record);
    }
  }

  get(topic: string): TopicSchemaRecord | undefined {
    return this.configs.get(topic);
  }

  /**
   * First producer (or admin CreateTopic with a subject): the topic takes `subject` if it has none;
   * a different subject than the topic's is refused. `registered` tells whether the subject exists.
   */
  async assign(topic: string, subject: string, registered: boolean): Promise<void> {
    const existing = this.configs.get(topic);
    if (existing) {
      if (existing.subject === subject) return;
      throw failedPrecondition(
        `Topic '${topic}' uses schema subject '${existing.subject}', cannot use '${subject}'. Only admin can change topic schema.`,
      );
    }
    if (!registered) {
      throw failedPrecondition(
        `Failed to assign schema '${subject}' to topic '${topic}': Schema subject '${subject}' not found in registry. Please register schema first.. Ensure schema is registered first.`,
      );
    }
    await this.save(topic, { subject, ...defaultTopicPolicy }, "Failed to persist schema config");
  }

  /** ConfigureTopicSchema: the caller checked the subject and the topic. */
  async configure(
    topic: string,
    subject: string,
    validationPolicy: ValidationPolicy,
    enablePayloadValidation: boolean,
  ): Promise<string> {
    await this.save(
      topic,
      { subject, validationPolicy, enablePayloadValidation },
      "Failed to persist schema config",
    );
    return `Topic '${topic}' configured with schema '${subject}', validation policy '${debugName(validationPolicy)}', payload validation ${enablePayloadValidation ? "enabled" : "disabled"}`;
  }

  /** UpdateTopicValidationPolicy: needs a subject already (unlike upstream, nothing changes when it is missing). */
  async updatePolicy(
    topic: string,
    validationPolicy: ValidationPolicy,
    enablePayloadValidation: boolean,
  ): Promise<string> {
    const existing = this.configs.get(topic);
    if (!existing) {
      throw failedPrecondition(
        `Topic '${topic}' has no schema subject configured. Use ConfigureTopicSchema first.`,
      );
    }
    await this.save(
      topic,
      { subject: existing.subject, validationPolicy, enablePayloadValidation },
      "Failed to persist validation policy",
    );
    return `Validation policy updated to '${debugName(validationPolicy)}', payload validation ${enablePayloadValidation ? "enabled" : "disabled"}`;
  }

  async forget(topic: string): Promise<void> {
    if (!this.configs.delete(topic)) return;
    await this.store.delete(registryKeys.topic(topic));
  }

  private async save(topic: string, record: TopicSchemaRecord, failure: string): Promise<void> {
    this.configs.set(topic, record);
    try {
      await this.store.put(registryKeys.topic(topic), record);
    } catch (err) {
      throw internal(`${failure}: ${messageOf(err)}`);
    }
  }
}
