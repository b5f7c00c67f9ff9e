import type { StreamMessage } from "./types.ts";

/** Counters of the broker's in-memory message bytes (RunningBroker.memoryStats()). */
export interface MemoryStats {
  /** Message bytes held now: reliable windows, non-reliable consumer queues and their transport buffers. */
  bufferedBytes: number;
  /** The highest `bufferedBytes` seen since start. */
  peakBufferedBytes: number;
  /** The broker-wide budget (`brokerBufferBytes`). */
  limitBytes: number;
  /** Non-reliable messages dropped for any reason (no consumer, count or byte budget reached). */
  nonReliableDroppedMessages: number;
  nonReliableDroppedBytes: number;
  /** Times a reliable subscription stopped filling its window because a byte budget was reached. */
  reliableWindowsDeferred: number;
}

/** Fixed per-message allowance for the decoded object, its strings and bookkeeping. */
const MESSAGE_OVERHEAD = 256;

/** What a message costs in memory, roughly: payload plus strings plus a fixed overhead. */
export function messageBytes(message: StreamMessage): number {
  let bytes = MESSAGE_OVERHEAD + message.payload.byteLength + message.producerName.length;
  bytes += message.routingKey?.length ?? 0;
  bytes += message.msgId?.topicName.length ?? 0;
  for (const key in message.attributes) bytes += key.length + (message.attributes[key]?.length ?? 0);
  return bytes;
}

/**
 * The broker-wide budget of message bytes held in memory. Holders take bytes when they start
 * holding a message and release them when they let go; nothing here frees memory by itself.
 */
export class MemoryBudget {
  private used = 0;
  private peak = 0;
  droppedMessages = 0;
  droppedBytes = 0;
  windowsDeferred = 0;

  constructor(readonly limit: number) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Bytes that can still be taken (0 when the budget is exhausted). */
  get remaining(): number {
    return Math.max(0, this.limit - this.used);
  }

  fits(bytes: number): boolean {
    return this.used + bytes <= this.limit;
  }

  take(bytes: number): void {
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }

  noteDrop(bytes: number): void {
    this.droppedMessages++;
    this.droppedBytes += bytes;
  }

  stats(): MemoryStats {
    return {
      bufferedBytes: this.used,
      peakBufferedBytes: this.peak,
      limitBytes: this.limit,
      nonReliableDroppedMessages: this.droppedMessages,
      nonReliableDroppedBytes: this.droppedBytes,
      reliableWindowsDeferred: this.windowsDeferred,
    };
  }
}
