import type { MessageSink, StreamMessage } from "./types.ts";

export interface ConsumerEvents {
  /** The consumer lost its stream (or was replaced): its in-flight messages need another home. */
  onInactive(consumer: ConsumerHandle): void;
  /** The consumer can take messages again. */
  onActive(consumer: ConsumerHandle): void;
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
  private readonly queue: StreamMessage[] = [];
  private waitingForDrain = false;

  constructor(
    readonly id: bigint,
    readonly name: string,
    readonly subscriptionName: string,
    readonly topicName: string,
    readonly keyFilters: readonly string[],
    private readonly events: ConsumerEvents,
    private readonly queueLimit: number,
  ) {}

  get hasStream(): boolean {
    return this.sink !== undefined;
  }

  /** Queues a message for delivery; false when the queue is full (only non-reliable callers hit this). */
  enqueue(message: StreamMessage): boolean {
    if (!this.active || this.queue.length >= this.queueLimit) return false;
    this.queue.push(message);
    this.flush();
    return true;
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
      this.queue.length = 0;
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
    this.queue.length = 0;
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

  private flush(): void {
    const sink = this.sink;
    if (!sink || this.waitingForDrain) return;
    while (this.queue.length > 0) {
      const message = this.queue.shift() as StreamMessage;
      if (!sink.write(message)) {
        this.waitingForDrain = true;
        sink.onDrain(() => {
          if (this.sink !== sink) return;
          this.waitingForDrain = false;
          this.flush();
        });
        return;
      }
    }
  }
}
