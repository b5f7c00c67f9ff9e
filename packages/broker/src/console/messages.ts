// Stored messages read by offset (nothing consumed) and the console's test messages.
import { danube } from "@danube-ts/protocol";
import { parseSchema } from "@danube-ts/schema";
import type { BrokerCore } from "../core/broker-core.ts";
import { randomId } from "../core/ids.ts";
import type { StreamMessage } from "../core/types.ts";
import { failedPrecondition, invalidArgument, notFound } from "../errors.ts";
import { assertTopicName } from "../topic-name.ts";
import type { ResolvedConsoleOptions } from "./options.ts";
import { type PayloadView, type SchemaForPayload, viewPayload } from "./payload.ts";

/** Producer name of the console's test messages (attached for one send, then removed). */
export const CONSOLE_PRODUCER = "danube-console";

export interface MessageView {
  offset: string;
  publishTime: string;
  producerName: string;
  attributes: Record<string, string>;
  routingKey: string | undefined;
  schemaId: string | undefined;
  schemaVersion: number | undefined;
  payload: PayloadView;
}

export interface SendInput {
  payload: string;
  /** `text` (UTF-8), `base64` (raw bytes), or `json` (Avro topics: a JSON datum encoded with the schema). */
  encoding?: "text" | "base64" | "json";
  attributes?: Record<string, string>;
  routingKey?: string;
}

export class MessageDesk {
  constructor(
    private readonly core: BrokerCore,
    private readonly options: ResolvedConsoleOptions,
  ) {}

  /**
   * Stored messages of a reliable topic from `from` (default: the newest `limit`), read from its
   * log by offset: no subscription is involved, nothing is consumed or acknowledged.
   */
  async browse(name: string, from: bigint | undefined, limit: number | undefined) {
    assertTopicName(name);
    const topic = this.core.catalog.get(name);
    if (!topic) throw notFound(`Unable to find the topic: ${name}`);
    if (!topic.log) throw failedPrecondition(`${name} is a non-reliable topic: it stores no messages`);
    const max = Math.min(limit ?? 20, this.options.maxBrowseMessages);
    if (!(max >= 1)) throw invalidArgument("limit must be at least 1");
    const start = topic.log.startOffset;
    const end = topic.log.committedOffset;
    let first = from ?? end - BigInt(max);
    if (first < start) first = start;
    const records = await topic.log.read(first, max, 4 * 1024 * 1024);
    const messages: MessageView[] = records.map((record) => this.view(record.offset, record.payload));
    return {
      topic: name,
      startOffset: start.toString(),
      endOffset: end.toString(),
      from: first.toString(),
      messages,
    };
  }

  private view(offset: bigint, stored: Uint8Array): MessageView {
    let message: StreamMessage;
    try {
      message = danube.StreamMessage.decode(stored);
    } catch {
      return {
        offset: offset.toString(),
        publishTime: "",
        producerName: "",
        attributes: {},
        routingKey: undefined,
        schemaId: undefined,
        schemaVersion: undefined,
        payload: {
          ...viewPayload(stored, undefined, this.options.maxPreviewBytes),
          decodeError: "stored record is not a message",
        },
      };
    }
    return {
      offset: offset.toString(),
      publishTime: new Date(Number(message.publishTime)).toISOString(),
      producerName: message.producerName,
      attributes: { ...message.attributes },
      routingKey: message.routingKey,
      schemaId: message.schemaId?.toString(),
      schemaVersion: message.schemaVersion,
      payload: viewPayload(message.payload, this.schemaOf(message), this.options.maxPreviewBytes),
    };
  }

  private schemaOf(message: StreamMessage): SchemaForPayload | undefined {
    if (message.schemaId === undefined) return undefined;
    try {
      const { version } = this.core.registry.byIdAndVersion(message.schemaId, message.schemaVersion);
      return { schemaType: version.schemaType, definition: version.definition };
    } catch {
      return undefined;
    }
  }

  /**
   * Publishes one test message as producer `danube-console` (attached for this send only), with
   * the topic's schema id and latest version when it has a subject. Returns the offset (reliable).
   */
  async send(name: string, input: SendInput): Promise<{ offset: string | undefined }> {
    assertTopicName(name);
    const topic = this.core.catalog.get(name);
    if (!topic) throw notFound(`Unable to find the topic: ${name}`);
    if (typeof input.payload !== "string") throw invalidArgument("payload must be a string");
    const schema = this.core.registry.describeTopic(name);
    const payload = this.encode(input, schema?.schemaId, schema?.version);
    const producer = await this.core.createProducer({
      topicName: name,
      producerName: `${CONSOLE_PRODUCER}-${randomId()}`,
      dispatchStrategy: topic.dispatchStrategy,
      accessMode: danube.ProducerAccessMode.Shared,
    });
    try {
      const message: StreamMessage = {
        requestId: 1n,
        msgId: { producerId: producer.id, topicName: name, brokerAddr: this.core.brokerUrl, topicOffset: 0n },
        payload,
        publishTime: BigInt(Date.now()),
        producerName: CONSOLE_PRODUCER,
        subscriptionName: "",
        attributes: { ...input.attributes },
        ...(schema?.schemaId !== undefined && { schemaId: schema.schemaId, schemaVersion: schema.version }),
        ...(input.routingKey && { routingKey: input.routingKey }),
      };
      // The offset is taken synchronously when publish starts (broker-core.ts says so).
      const offset = topic.log?.nextOffset;
      await this.core.publish(message);
      return { offset: offset?.toString() };
    } finally {
      this.core.removeProducer(producer);
    }
  }

  private encode(input: SendInput, schemaId: bigint | undefined, version: number | undefined): Uint8Array {
    const encoding = input.encoding ?? "text";
    if (encoding === "text") return Buffer.from(input.payload, "utf8");
    if (encoding === "base64") {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input.payload)) throw invalidArgument("payload is not base64");
      return Buffer.from(input.payload, "base64");
    }
    if (encoding !== "json")
      throw invalidArgument(`encoding must be text, base64 or json, got ${JSON.stringify(encoding)}`);
    let value: unknown;
    try {
      value = JSON.parse(input.payload);
    } catch (err) {
      throw invalidArgument(`payload is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (schemaId !== undefined) {
      const { version: record } = this.core.registry.byIdAndVersion(schemaId, version);
      if (record.schemaType === "avro") {
        const parsed = parseSchema("avro", record.definition);
        if (parsed.type !== "avro") throw invalidArgument("not an Avro schema");
        try {
          const type = parsed.avscType();
          return type.toBuffer(type.fromString(input.payload));
        } catch (err) {
          throw invalidArgument(
            `payload does not match the Avro schema: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
    }
    return Buffer.from(JSON.stringify(value), "utf8");
  }
}
