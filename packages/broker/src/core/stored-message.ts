/**
 * A message as the reliable dispatcher reads it from the topic log. Its stored bytes are walked
 * once (wire-fields.ts) for what dispatch and delivery use: where the msg_id field is (delivery
 * sends the stored bytes with it replaced, stored-bytes.ts), the producer id and broker address in
 * it, the payload, the producer name and the routing key. Any other field is read by decoding the
 * whole message, once, on first use (dead-lettering does). Strings are decoded on first use.
 *
 * Only bytes the generated decoder reads the same way are taken: every field well formed, msg_id
 * and attribute entries too, no groups, no field number 0 (where the generated decoder stops
 * early), at most one msg_id. For anything else readStoredMessage (stored-bytes.ts) decodes the
 * message in full.
 */
import { danube } from "@danube-ts/protocol";
import type { StreamMessage } from "./types.ts";
import { WireFields } from "./wire-fields.ts";

/** Decodes strings as the generated decoder does (invalid UTF-8 becomes U+FFFD, a BOM is kept). */
const text = new TextDecoder("utf-8", { ignoreBOM: true });

const MSG_ID = (2 << 3) | 2;
const PAYLOAD = (3 << 3) | 2;
const PRODUCER_NAME = (5 << 3) | 2;
const ATTRIBUTE = (7 << 3) | 2;
const ROUTING_KEY = (10 << 3) | 2;
const ID_PRODUCER = (1 << 3) | 0;
const ID_BROKER = (3 << 3) | 2;

export class StoredMessage implements StreamMessage {
  /** Where the stored msg_id field is: [msgIdStart, msgIdEnd); [0, 0) when there is none. */
  msgIdStart = 0;
  msgIdEnd = 0;
  /** The producer_id varint in the stored msg_id: [producerStart, producerEnd); start -1 when absent. */
  producerStart = -1;
  producerEnd = 0;
  /** The broker_addr string in the stored msg_id, likewise. */
  brokerStart = -1;
  brokerEnd = 0;
  /** Payload, producer name and routing key, likewise. */
  private payloadStart = -1;
  private payloadEnd = 0;
  private nameStart = -1;
  private nameEnd = 0;
  private keyStart = -1;
  private keyEnd = 0;
  private id: danube.MsgID | undefined;
  private payloadView: Uint8Array | undefined;
  private name: string | undefined;
  private key: string | undefined;
  private decoded: StreamMessage | undefined;

  private constructor(
    readonly bytes: Uint8Array,
    readonly topicName: string,
    readonly offset: bigint,
  ) {}

  /** The walked message, or undefined when the bytes hold anything it does not take. */
  static walk(bytes: Uint8Array, topicName: string, offset: bigint): StoredMessage | undefined {
    const m = new StoredMessage(bytes, topicName, offset);
    const fields = new WireFields(bytes);
    let msgIdSeen = false;
    while (fields.more()) {
      const fieldStart = fields.pos;
      const tag = fields.tag();
      switch (tag) {
        case MSG_ID: {
          const start = fields.lengthDelimited();
          if (start < 0 || msgIdSeen || !m.walkMsgId(start, fields.pos)) return undefined;
          msgIdSeen = true;
          m.msgIdStart = fieldStart;
          m.msgIdEnd = fields.pos;
          break;
        }
        case PAYLOAD:
          m.payloadStart = fields.lengthDelimited();
          m.payloadEnd = fields.pos;
          break;
        case PRODUCER_NAME:
          m.nameStart = fields.lengthDelimited();
          m.nameEnd = fields.pos;
          break;
        case ROUTING_KEY:
          m.keyStart = fields.lengthDelimited();
          m.keyEnd = fields.pos;
          break;
        case ATTRIBUTE: {
          const start = fields.lengthDelimited();
          if (start < 0 || !wellFormed(bytes, start, fields.pos)) return undefined;
          break;
        }
        default:
          // request_id, publish_time, subscription_name, schema_id, schema_version and unknown
          // fields: read on first use (full decode), or passed on as stored.
          if (tag < 0) return undefined;
          fields.skip(tag & 7);
      }
    }
    return fields.error === undefined ? m : undefined;
  }

  /** Finds producer_id and broker_addr in the stored msg_id at [start, end). */
  private walkMsgId(start: number, end: number): boolean {
    const fields = new WireFields(this.bytes, start, end);
    while (fields.more()) {
      const tag = fields.tag();
      if (tag === ID_PRODUCER) {
        const start = fields.pos;
        if (fields.varint() < 0) return false;
        this.producerStart = start;
        this.producerEnd = fields.pos;
      } else if (tag === ID_BROKER) {
        this.brokerStart = fields.lengthDelimited();
        this.brokerEnd = fields.pos;
      } else if (tag < 0) return false;
      else fields.skip(tag & 7);
    }
    return fields.error === undefined;
  }

  /** msg_id: the stored producer id and broker address, this topic and this offset. */
  get msgId(): danube.MsgID {
    this.id ??= {
      producerId:
        this.producerStart < 0
          ? 0n
          : (new WireFields(this.bytes, this.producerStart, this.producerEnd).uint64() ?? 0n),
      topicName: this.topicName,
      brokerAddr: this.string(this.brokerStart, this.brokerEnd) ?? "",
      topicOffset: this.offset,
    };
    return this.id;
  }

  get payload(): Uint8Array {
    this.payloadView ??=
      this.payloadStart < 0 ? new Uint8Array(0) : this.bytes.subarray(this.payloadStart, this.payloadEnd);
    return this.payloadView;
  }

  get producerName(): string {
    this.name ??= this.string(this.nameStart, this.nameEnd) ?? "";
    return this.name;
  }

  get routingKey(): string | undefined {
    if (this.keyStart < 0) return undefined;
    this.key ??= this.string(this.keyStart, this.keyEnd);
    return this.key;
  }

  get requestId(): bigint {
    return this.full().requestId;
  }

  get publishTime(): bigint {
    return this.full().publishTime;
  }

  get subscriptionName(): string {
    return this.full().subscriptionName;
  }

  get attributes(): { [key: string]: string } {
    return this.full().attributes;
  }

  get schemaId(): bigint | undefined {
    return this.full().schemaId;
  }

  get schemaVersion(): number | undefined {
    return this.full().schemaVersion;
  }

  private string(start: number, end: number): string | undefined {
    return start < 0 ? undefined : text.decode(this.bytes.subarray(start, end));
  }

  private full(): StreamMessage {
    this.decoded ??= danube.StreamMessage.decode(this.bytes);
    return this.decoded;
  }
}

/** Whether [start, end) walks as fields without a malformation or a group (an attribute entry). */
function wellFormed(bytes: Uint8Array, start: number, end: number): boolean {
  const fields = new WireFields(bytes, start, end);
  while (fields.more()) {
    const tag = fields.tag();
    if (tag < 0 || !fields.skip(tag & 7)) return false;
  }
  return fields.error === undefined;
}
