import type { SubscriptionStats } from "../metrics/stats.ts";
import { type MemoryBudget, messageBytes } from "./memory-budget.ts";
import type { MessageSink, StreamMessage } from "./types.ts";

export interface ConsumerEvents {
  /** The consumer lost its stream (or was replaced): its in-flight messages need another home. */
  onInactive(consumer: ConsumerHandle): void;
  /** The consumer can take messages again. */
  onActive(consumer: ConsumerHandle): void;
}

/**
 * How much a consumer may hold. Non-reliable consumers account their messages in bytes against
 * `maxBytes` and the broker-wide `budget`; reliable consumers pass no budget, since their messages
 * are accounted in the subscription's window.
 */
export interface ConsumerLimits {
  maxMessages: number;
  maxBytes: number;
  budget: MemoryBudget | undefined;
}

/** Why a message was not queued. */
export type EnqueueRefusal =
  | "inactive"
  | "consumer message limit"
  | "consumer byte budget"
  | "broker byte budget";

interface Queued {
  message: StreamMessage;
  bytes: number;
}

/** Bytes written to one stream whose write callback has not fired yet (buffered in the transport). */
interface Transport {
  bytes: number;
  open: boolean;
}

/**
 * A consumer attached to a subscription. Messages handed to it wait in a small outbound queue
 * until its ReceiveMessages stream is open and writable, so a consumer that subscribed but has
 * not opened its stream yet still gets its share, in order.
 */
export class ConsumerHandle {
  active = true;
  /** Since when the consumer has had no stream (set at creation, cleared when a stream opens). */
  streamlessSince: number | undefined = Date.now();
  private sink: MessageSink | undefined;
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;
  private transport: Transport = { bytes: 0, open: true };
  private waitingForDrain = false;
  /** Its subscription's counters (messages and bytes written to the stream); set by the broker core. */
  deliveries: SubscriptionStats | undefined;

  constructor(
    readonly id: bigint,
    readonly name: string,
    readonly subscriptionName: string,
    readonly topicName: string,
    readonly keyFilters: readonly string[],
    private readonly events: ConsumerEvents,
    private readonly limits: ConsumerLimits,
  ) {}

  get hasStream(): boolean {
    return this.sink !== undefined;
  }

  /** Messages queued for this consumer and not yet written to its stream (a non-reliable backlog). */
  get queuedMessages(): number {
    return this.queue.length;
  }

  /** Accounted bytes held for this consumer: queued, plus written but still in the transport's buffers. */
  get bufferedBytes(): number {
    return this.queuedBytes + this.transport.bytes;
  }

  /**
   * Queues a message for delivery; returns why not when the consumer is inactive or a limit is
   * reached (only non-reliable callers hit the limits; the caller counts the drop).
   */
  enqueue(message: StreamMessage, size?: number): EnqueueRefusal | undefined {
    if (!this.active) return "inactive";
    const { budget, maxBytes, maxMessages } = this.limits;
    let bytes = 0;
    if (budget) {
      bytes = size ?? messageBytes(message);
      if (this.queue.length >= maxMessages) return "consumer message limit";
      if (this.bufferedBytes + bytes > maxBytes) return "consumer byte budget";
      if (!budget.fits(bytes)) return "broker byte budget";
      budget.take(bytes);
      this.queuedBytes += bytes;
    }
    const sink = this.sink;
    if (bytes === 0 && sink && !this.waitingForDrain && this.queue.length === 0) {
      // Nothing queued ahead of it and the stream takes more: straight to the stream.
      this.send(sink, message, 0);
      return undefined;
    }
    this.queue.push({ message, bytes });
    this.flush();
    return undefined;
  }

  /** A new stream replaces any previous one, which is ended. */
  attach(sink: MessageSink): void {
    const previous = this.sink;
    this.sink = sink;
    this.waitingForDrain = false;
    this.streamlessSince = undefined;
    if (previous) {
      // What went out on the old stream may never have arrived: it is resent, in order, on this one.
      previous.end();
      this.dropBuffered();
      if (this.active) this.events.onInactive(this);
    }
    const wasActive = this.active;
    this.active = true;
    if (!wasActive) this.events.onActive(this);
    this.flush();
  }

  /** The stream `sink` closed. Ignored if a newer stream already replaced it. */
  detach(sink: MessageSink): void {
    if (this.sink !== sink) return;
    this.deactivate();
  }

  /**
   * Marks the consumer gone without a stream (takeover by a same-name subscribe, removal, or with
   * `shutdown` the broker stopping: the stream then ends with a retryable error).
   */
  deactivate(shutdown = false): void {
    const sink = this.sink;
    this.sink = undefined;
    this.streamlessSince ??= Date.now();
    this.dropBuffered();
    if (sink && shutdown) sink.abort("The broker is shutting down");
    else if (sink) sink.end();
    if (this.active) {
      this.active = false;
      this.events.onInactive(this);
    }
  }

  /** Subscribe with the same name again: reactivate without a stream, messages queue until one opens. */
  reactivate(): void {
    if (this.active) return;
    this.active = true;
    this.streamlessSince = Date.now();
    this.events.onActive(this);
  }

  /** Forgets the queue and the current transport's accounting (their messages are gone or resent). */
  private dropBuffered(): void {
    const released = this.queuedBytes + this.transport.bytes;
    if (released > 0) this.limits.budget?.release(released);
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.transport.open = false;
    this.transport = { bytes: 0, open: true };
  }

  private flush(): void {
    const sink = this.sink;
    if (!sink) return;
    while (this.queue.length > 0 && !this.waitingForDrain) {
      const { message, bytes } = this.queue.shift() as Queued;
      this.queuedBytes -= bytes;
      this.send(sink, message, bytes);
    }
  }

  /** Writes one message to the stream; waits for its drain when the stream asks to. */
  private send(sink: MessageSink, message: StreamMessage, bytes: number): void {
    const transport = this.transport;
    transport.bytes += bytes;
    // Only accounted (non-reliable) messages need to hear that they left the transport.
    const written =
      bytes > 0
        ? () => {
            if (!transport.open) return;
            transport.bytes -= bytes;
            this.limits.budget?.release(bytes);
          }
        : undefined;
    const accepted = sink.write(message, written);
    if (this.deliveries) {
      this.deliveries.messagesOut++;
      this.deliveries.bytesOut += message.payload.length;
    }
    if (!accepted) {
      this.waitingForDrain = true;
      sink.onDrain(() => {
        if (this.sink !== sink) return;
        this.waitingForDrain = false;
        this.flush();
      });
    }
  }
}
