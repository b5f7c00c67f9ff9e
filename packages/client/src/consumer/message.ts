// A received message with ack()/nack() bound to the partition consumer that received it.
import type { danube } from "@danube-ts/protocol";
import type { AckOptions, NackOptions } from "../options.ts";
import type { DecodeResult } from "../schema/decoder.ts";

/** Identity of a message as assigned by producer and broker. */
export interface MessageId {
  producerId: bigint;
  /** The (partition) topic name. */
  topicName: string;
  /** The producer's broker URL. */
  brokerAddr: string;
  /** Broker-assigned offset (Reliable topics); 0 for NonReliable topics. */
  topicOffset: bigint;
}

/**
 * A message delivered to a consumer. `T` is the type of `value`: the raw payload, or what the
 * consumer's serde decodes.
 */
export interface Message<T = Uint8Array> {
  readonly payload: Uint8Array;
  /**
   * The decoded value when the consumer has a serde (decoded with the writer schema named by the
   * message's schema id and version), else the payload. Throws the decoding error (a
   * DanubeError) when the payload could not be decoded: nack or dead-letter such messages.
   */
  readonly value: T;
  /** The payload decoded as UTF-8. */
  text(): string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly routingKey: string | undefined;
  /** Producer's clock when sent, ms since the epoch. */
  readonly publishTime: bigint;
  readonly producerName: string;
  /** The (partition) topic it was received from. */
  readonly topic: string;
  readonly schemaId: bigint | undefined;
  readonly schemaVersion: number | undefined;
  readonly id: Readonly<MessageId>;
  /** The producer's request id, reused for ack/nack. */
  readonly requestId: bigint;
  /** Acknowledges the message. */
  ack(options?: AckOptions): Promise<void>;
  /** Rejects the message so that the broker redelivers it (after `delayMs`). */
  nack(options?: NackOptions): Promise<void>;
}

/** What acknowledges messages: the partition consumer that received them. */
export interface Acknowledger {
  ack(message: danube.StreamMessage, options: AckOptions | undefined): Promise<void>;
  nack(message: danube.StreamMessage, options: NackOptions | undefined): Promise<void>;
}

/** Where a message's byte credit goes back once the application took it (the consume stream it came on). */
export interface CreditSink {
  taken(bytes: number): void;
}

const utf8 = new TextDecoder();

/** Wraps a wire message. */
export class MessageImpl implements Message<unknown> {
  readonly payload: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly routingKey: string | undefined;
  readonly publishTime: bigint;
  readonly producerName: string;
  readonly topic: string;
  readonly schemaId: bigint | undefined;
  readonly schemaVersion: number | undefined;
  readonly id: Readonly<MessageId>;
  readonly requestId: bigint;
  readonly #wire: danube.StreamMessage;
  readonly #acknowledger: Acknowledger;
  readonly #decoded: DecodeResult<unknown> | undefined;
  #credit: CreditSink | undefined;

  constructor(
    wire: danube.StreamMessage,
    topic: string,
    acknowledger: Acknowledger,
    decoded?: DecodeResult<unknown>,
    credit?: CreditSink,
  ) {
    this.#wire = wire;
    this.#credit = credit;
    this.#acknowledger = acknowledger;
    this.#decoded = decoded;
    // A plain Uint8Array view (the decoder hands out a Buffer slice), no copy.
    const bytes = wire.payload;
    this.payload = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.attributes = wire.attributes;
    this.routingKey = wire.routingKey;
    this.publishTime = wire.publishTime;
    this.producerName = wire.producerName;
    this.topic = topic;
    this.schemaId = wire.schemaId;
    this.schemaVersion = wire.schemaVersion;
    this.requestId = wire.requestId;
    const msgId = wire.msgId;
    this.id = Object.freeze({
      producerId: msgId?.producerId ?? 0n,
      topicName: msgId?.topicName ?? topic,
      brokerAddr: msgId?.brokerAddr ?? "",
      topicOffset: msgId?.topicOffset ?? 0n,
    });
  }

  /** @internal The application took the message from the consumer's queue: its bytes' credit goes back (once). */
  taken(): void {
    const credit = this.#credit;
    if (credit === undefined) return;
    this.#credit = undefined;
    credit.taken(this.payload.byteLength);
  }

  get value(): unknown {
    const decoded = this.#decoded;
    if (decoded === undefined) return this.payload;
    if (!decoded.ok) throw decoded.error;
    return decoded.value;
  }

  text(): string {
    return utf8.decode(this.payload);
  }

  ack(options?: AckOptions): Promise<void> {
    return this.#acknowledger.ack(this.#wire, options);
  }

  nack(options?: NackOptions): Promise<void> {
    return this.#acknowledger.nack(this.#wire, options);
  }
}
