// The publish stream sender (danube-ts extension, proto/danube_ts/publish.proto): one bidirectional
// stream per producer registration instead of one SendMessage call per send. Sends queued in the
// same turn of the event loop go in one batch frame, in order, within the credit the broker
// granted; receipts and per-send errors come back batched and are matched by request id.
import type { danube, publishStream } from "@danube-ts/protocol";
import type { ClientDuplexStream, Metadata, StatusObject } from "@grpc/grpc-js";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { abortError, type CallContext, throwIfStopped } from "../call-context.ts";
import { cancelledError, fromServiceError, toDanubeError } from "../errors/status-map.ts";
import { DanubeError, ErrorCode } from "../errors.ts";
import type { BrokerConnection } from "../transport/connection-pool.ts";
import type { MessageSender } from "./message-sender.ts";

/** Bytes of one batch frame at most (less when the broker accepts less). */
const maxBatchTarget = 1024 * 1024;
/** Room kept below the broker's frame limit for the batch envelope. */
const frameSlack = 4096;

type Call = ClientDuplexStream<publishStream.PublishRequest, publishStream.PublishResponse>;

/** One send handed to the sender, until it settles. */
interface Entry {
  readonly message: danube.StreamMessage;
  readonly ctx: CallContext;
  /** The request id it follows (null: nothing; undefined: the broker does not sequence). */
  after: bigint | null | undefined;
  /** Payload bytes (what credit counts). */
  readonly size: number;
  /** Estimated encoded size inside a batch frame. */
  readonly frameBytes: number;
  settled: boolean;
  readonly resolve: (requestId: bigint) => void;
  readonly reject: (error: DanubeError) => void;
}

export interface StreamSenderSettings {
  connection: BrokerConnection;
  metadata: () => Metadata;
  producerId: bigint;
  /**
   * The unary sender to switch to when the broker answers the stream with UNIMPLEMENTED
   * (transport "auto"); undefined: such sends fail with UNIMPLEMENTED (transport "stream").
   */
  fallback: MessageSender | undefined;
}

/** A {@link MessageSender} over the publish stream; `close()` ends the stream. */
export class StreamSender implements MessageSender {
  readonly #settings: StreamSenderSettings;
  #stream: PublishStreamCall | undefined;
  /** Set once the broker answered UNIMPLEMENTED: every send goes unary from then on. */
  #fallback: MessageSender | undefined;
  #closed = false;

  constructor(settings: StreamSenderSettings) {
    this.#settings = settings;
  }

  send(message: danube.StreamMessage, ctx: CallContext, after?: bigint | null): Promise<bigint> {
    if (this.#fallback !== undefined) return this.#fallback.send(message, ctx, after);
    return new Promise<bigint>((resolve, reject) => {
      try {
        throwIfStopped(ctx);
      } catch (error) {
        reject(error);
        return;
      }
      if (this.#closed) {
        reject(cancelledError(ctx.operation, new Error("closed")));
        return;
      }
      const entry: Entry = {
        message,
        ctx,
        after,
        size: message.payload.byteLength,
        frameBytes: frameEstimate(message),
        settled: false,
        resolve,
        reject,
      };
      const stream = this.#stream?.usable ? this.#stream : this.#open();
      stream.enqueue(entry);
    });
  }

  #open(): PublishStreamCall {
    const { connection, metadata, producerId } = this.#settings;
    const stream = new PublishStreamCall(connection, metadata(), producerId, (entries, error) =>
      this.#onUnimplemented(stream, entries, error),
    );
    this.#stream = stream;
    return stream;
  }

  /** The broker does not serve the stream: fall back to unary (auto) or fail (stream forced). */
  #onUnimplemented(stream: PublishStreamCall, entries: Entry[], error: DanubeError): void {
    if (this.#stream === stream) this.#stream = undefined;
    const fallback = this.#settings.fallback;
    if (fallback === undefined) {
      for (const entry of entries) settle(entry, error);
      return;
    }
    this.#fallback = fallback;
    // Nothing was stored: resend everything, in its order.
    for (const entry of entries) {
      if (entry.settled) continue;
      fallback.send(entry.message, entry.ctx, entry.after).then(
        (id) => settle(entry, id),
        (thrown: unknown) => settle(entry, toDanubeError(thrown, entry.ctx.operation)),
      );
    }
  }

  /** Ends the stream; sends still waiting fail with CANCELLED (or the send's own stop reason). */
  close(): void {
    this.#closed = true;
    this.#stream?.cancel();
    this.#stream = undefined;
  }
}

/** One gRPC publish stream. */
class PublishStreamCall {
  readonly #call: Call;
  /** Not written yet, in send order. */
  #waiting: Entry[] = [];
  /** Written and not answered, by request id, in write order. */
  readonly #unanswered = new Map<bigint, Entry>();
  /** Credit left: messages and payload bytes the client may still write. */
  #creditMessages = 0;
  #creditBytes = 0;
  /** Written messages the broker has not answered (including those whose send gave up). */
  #outstanding = 0;
  #maxBatchBytes = 0;
  #ready = false;
  #failed = false;
  #everAnswered = false;
  #flushScheduled = false;
  readonly #onUnimplemented: (entries: Entry[], error: DanubeError) => void;

  constructor(
    connection: BrokerConnection,
    metadata: Metadata,
    producerId: bigint,
    onUnimplemented: (entries: Entry[], error: DanubeError) => void,
  ) {
    this.#onUnimplemented = onUnimplemented;
    const call = connection.publishStream.publish(metadata);
    this.#call = call;
    call.on("data", (response: publishStream.PublishResponse) => this.#onResponse(response));
    // The final status (after any error event, which is handled through it).
    call.on("error", () => {});
    call.on("status", (status: StatusObject) =>
      this.#fail(
        status.code === GrpcStatus.OK
          ? { code: GrpcStatus.UNAVAILABLE, details: "the broker ended the publish stream" }
          : status,
      ),
    );
    call.write({ frame: { $case: "open", value: { producerId } } });
  }

  /** False once the stream failed: the next send opens a new one. */
  get usable(): boolean {
    return !this.#failed;
  }

  enqueue(entry: Entry): void {
    // The owner stops a send (its deadline, its signal, close()) through ctx.stop: give up at once.
    // That is the only stop: the producer's PendingSend carries it (one deadline timer per producer).
    const stop = entry.ctx.stop;
    stop?.onStop(() => this.#giveUp(entry, stop.reason ?? cancelledError(entry.ctx.operation)));
    this.#waiting.push(entry);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // What the application queues in this turn of the event loop goes in one frame.
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #fits(entry: Entry): boolean {
    return this.#creditMessages >= 1 && (entry.size <= this.#creditBytes || this.#outstanding === 0);
  }

  /** Writes waiting sends, in order, in batches, as far as credit allows. */
  #flush(): void {
    if (!this.#ready || this.#failed) return;
    // The broker's gRPC receive limit, less room for the batch envelope: no frame may exceed it.
    const frameLimit = this.#maxBatchBytes - frameSlack;
    const limit = Math.min(maxBatchTarget, frameLimit);
    while (this.#waiting.length > 0) {
      const first = this.#waiting[0]!;
      if (first.frameBytes > frameLimit) {
        // Would break the frame limit (the broker's gRPC receive limit): the same outcome as a unary send.
        this.#waiting.shift();
        this.#relink(first);
        settle(
          first,
          new DanubeError(
            ErrorCode.INVALID_ARGUMENT,
            `${first.ctx.operation} (SendMessage): message of about ${first.frameBytes} bytes is larger than max (${this.#maxBatchBytes} bytes)`,
          ),
        );
        continue;
      }
      if (!this.#fits(first)) return;
      const messages: danube.StreamMessage[] = [];
      let bytes = 0;
      let previous: Entry | undefined;
      while (this.#waiting.length > 0) {
        const next = this.#waiting[0]!;
        if (previous !== undefined) {
          const chained = next.after === undefined || next.after === previous.message.requestId;
          if (!chained || bytes + next.frameBytes > limit || next.frameBytes > limit) break;
        }
        if (!this.#fits(next)) break;
        this.#waiting.shift();
        this.#creditMessages--;
        this.#creditBytes -= next.size;
        this.#outstanding++;
        this.#unanswered.set(next.message.requestId, next);
        messages.push(next.message);
        bytes += next.frameBytes;
        previous = next;
      }
      const after = first.after ?? undefined;
      this.#call.write({ frame: { $case: "batch", value: { messages, after } } });
    }
  }

  #onResponse(response: publishStream.PublishResponse): void {
    if (this.#failed) return;
    if (!this.#ready) {
      this.#ready = true;
      this.#maxBatchBytes = response.maxBatchBytes;
    }
    this.#creditMessages += response.creditMessages;
    this.#creditBytes += Number(response.creditBytes);
    for (const requestId of response.receipts) {
      const entry = this.#answered(requestId);
      if (entry !== undefined) settle(entry, requestId);
    }
    for (const { requestId, code, message } of response.errors) {
      const entry = this.#answered(requestId);
      if (entry !== undefined) {
        settle(entry, fromServiceError({ code, details: message }, `${entry.ctx.operation} (SendMessage)`));
      }
    }
    this.#flush();
  }

  #answered(requestId: bigint): Entry | undefined {
    const entry = this.#unanswered.get(requestId);
    if (entry === undefined) return undefined;
    this.#unanswered.delete(requestId);
    this.#outstanding--;
    this.#everAnswered = true;
    return entry;
  }

  /** The stream ended: every unanswered and waiting send fails (the producer resends in order). */
  #fail(status: { code: number; details?: string }): void {
    if (this.#failed) return;
    this.#failed = true;
    const entries = [...this.#unanswered.values(), ...this.#waiting].filter((e) => !e.settled);
    this.#unanswered.clear();
    this.#waiting = [];
    const detail = status.details || GrpcStatus[status.code] || "stream failed";
    if (status.code === GrpcStatus.UNIMPLEMENTED && !this.#everAnswered) {
      const error = new DanubeError(
        ErrorCode.UNIMPLEMENTED,
        `send (publish stream): the broker does not serve the publish stream: ${detail}`,
        { cause: status, grpcCode: status.code },
      );
      this.#onUnimplemented(entries, error);
      return;
    }
    for (const entry of entries) settle(entry, streamError(status, detail, entry));
  }

  /** The send stopped (abort or deadline) before its answer came. */
  #giveUp(entry: Entry, error: DanubeError): void {
    if (entry.settled) return;
    const at = this.#waiting.indexOf(entry);
    if (at !== -1) {
      // Never written: drop it, and let its successor follow what it followed.
      this.#waiting.splice(at, 1);
      this.#relink(entry);
    }
    // Written: the broker still answers it (and gives its credit back); the answer is ignored.
    settle(entry, error);
  }

  #relink(removed: Entry): void {
    for (const entry of this.#waiting) {
      if (entry.after === removed.message.requestId) entry.after = removed.after;
    }
  }

  /** Cancels the stream (the producer closed); what still waits fails with CANCELLED. */
  cancel(): void {
    for (const entry of [...this.#unanswered.values(), ...this.#waiting]) {
      settle(entry, abortError(entry.ctx) ?? cancelledError(entry.ctx.operation, new Error("closed")));
    }
    this.#fail({ code: GrpcStatus.CANCELLED, details: "closed" });
    this.#call.cancel();
  }
}

function settle(entry: Entry, outcome: bigint | DanubeError): void {
  if (entry.settled) return;
  entry.settled = true;
  entry.ctx.stop?.onStop(undefined);
  if (typeof outcome === "bigint") entry.resolve(outcome);
  else entry.reject(outcome);
}

/**
 * A send's error when its stream failed. Transport failures, a broker closing (UNAVAILABLE) and
 * anything unexpected become UNAVAILABLE, which the producer retries by resending in order; the
 * statuses a SendMessage could answer as final keep their meaning.
 */
function streamError(status: { code: number; details?: string }, detail: string, entry: Entry): DanubeError {
  const stopped = abortError(entry.ctx);
  if (stopped !== undefined) return stopped;
  const operation = `${entry.ctx.operation} (publish stream)`;
  switch (status.code) {
    case GrpcStatus.NOT_FOUND:
    case GrpcStatus.PERMISSION_DENIED:
    case GrpcStatus.UNAUTHENTICATED:
    case GrpcStatus.INVALID_ARGUMENT:
      return fromServiceError({ code: status.code, details: detail }, operation);
    default:
      return new DanubeError(ErrorCode.UNAVAILABLE, `${operation}: ${detail}`, {
        cause: status,
        grpcCode: status.code,
      });
  }
}

/** Upper estimate of a message's encoded size in a batch (fields, tags and lengths). */
function frameEstimate(message: danube.StreamMessage): number {
  let bytes = message.payload.byteLength + 96;
  bytes += (message.msgId?.topicName.length ?? 0) * 3 + (message.msgId?.brokerAddr.length ?? 0) * 3;
  bytes += message.producerName.length * 3 + message.subscriptionName.length * 3;
  bytes += (message.routingKey?.length ?? 0) * 3;
  const attributes = message.attributes;
  for (const key in attributes) bytes += (key.length + attributes[key]!.length) * 3 + 12;
  return bytes;
}
