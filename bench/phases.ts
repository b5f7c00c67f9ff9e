// The measured phases of the benchmark. Each uses its own reliable topic and stops at
// `count` messages or `capMs`, whichever comes first.
import type { AdminClient, Consumer, DanubeClient, Producer } from "@danube-ts/client";
import { DispatchStrategy, SubscriptionType } from "@danube-ts/client";
import { AckPipeline } from "./ack-pipeline.ts";

export const PAYLOAD_BYTES = 1024;
const ACKS_IN_FLIGHT = 256;
/** A consumer that receives nothing for this long is considered done. */
const IDLE_MS = 10_000;

export interface PhaseOptions {
  topic: string;
  count: number;
  capMs: number;
}

export interface PhaseResult {
  messages: number;
  seconds: number;
  /** Whether the time cap ended the phase before `count`. */
  capped: boolean;
}

export interface LatencyResult {
  offeredRate: number;
  /** Sends issued per second while pacing. */
  issuedRate: number;
  issued: number;
  received: number;
  /** Receive rate from the first send to the last receive. */
  receiveRate: number;
  /** publish_time (producer clock, ms) to receive, ms. */
  publishToReceive: Float64Array;
  /** send() call to receive, high-resolution, ms. */
  sendToReceive: Float64Array;
  capped: boolean;
}

const payload = new Uint8Array(PAYLOAD_BYTES).fill(0x61);

async function reliableProducer(client: DanubeClient, topic: string): Promise<Producer> {
  return client.createProducer({
    topic,
    name: "bench-producer",
    dispatchStrategy: DispatchStrategy.Reliable,
  });
}

async function benchConsumer(client: DanubeClient, topic: string): Promise<Consumer> {
  return client.subscribe({
    topic,
    subscription: "bench",
    consumerName: "bench-consumer",
    subscriptionType: SubscriptionType.Exclusive,
  });
}

/** Sends up to `count` messages with `inFlight` outstanding, until `deadline` (performance.now()). */
async function sendPipelined(
  producer: Producer,
  count: number,
  inFlight: number,
  deadline: number,
): Promise<number> {
  let issued = 0;
  let sent = 0;
  const worker = async () => {
    while (issued < count && performance.now() < deadline) {
      issued++;
      await producer.send(payload);
      sent++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return sent;
}

/** Reliable publish throughput with `inFlight` sends outstanding. */
export async function publishPhase(
  client: DanubeClient,
  opts: PhaseOptions & { inFlight: number },
): Promise<PhaseResult> {
  const producer = await reliableProducer(client, opts.topic);
  try {
    await sendPipelined(producer, Math.min(200, opts.count), opts.inFlight, Number.POSITIVE_INFINITY);
    const started = performance.now();
    const sent = await sendPipelined(producer, opts.count, opts.inFlight, started + opts.capMs);
    return { messages: sent, seconds: (performance.now() - started) / 1000, capped: sent < opts.count };
  } finally {
    await producer.close();
  }
}

/** Receives and acks until `expected` messages, the deadline or an idle gap; calls `onMessage` first. */
async function drain(
  consumer: Consumer,
  expected: number,
  deadline: number,
  onMessage: (payload: Uint8Array, publishTime: bigint) => void,
): Promise<{ received: number; lastAt: number; ackFailures: number }> {
  const acks = new AckPipeline(ACKS_IN_FLIGHT);
  let received = 0;
  let lastAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    const wait = Math.max(0, Math.min(IDLE_MS, deadline - performance.now()));
    timer = setTimeout(() => void consumer.close(), wait);
  };
  arm();
  try {
    for await (const msg of consumer) {
      onMessage(msg.payload, msg.publishTime);
      received++;
      lastAt = performance.now();
      await acks.ack(msg);
      if (received >= expected) break;
      arm();
    }
    await acks.drain();
  } finally {
    clearTimeout(timer);
  }
  return { received, lastAt, ackFailures: acks.failures };
}

/**
 * Consume + ack throughput over a backlog of `count` stored messages. With `window`, the
 * subscription's unacked window (broker default 10) is set through the admin API first.
 */
export async function consumePhase(
  client: DanubeClient,
  opts: PhaseOptions & { window?: { admin: AdminClient; maxUnackedMessages: number } },
): Promise<PhaseResult> {
  const producer = await reliableProducer(client, opts.topic);
  if (opts.window) {
    await opts.window.admin.setSubscriptionDispatchConfig({
      topic: opts.topic,
      subscription: "bench",
      maxUnackedMessages: opts.window.maxUnackedMessages,
    });
  }
  const consumer = await benchConsumer(client, opts.topic);
  try {
    const backlog = await sendPipelined(producer, opts.count, 1024, performance.now() + opts.capMs);
    await producer.close();
    const started = performance.now();
    const { received, lastAt } = await drain(consumer, backlog, started + opts.capMs, () => {});
    return { messages: received, seconds: (lastAt - started) / 1000, capped: received < backlog };
  } finally {
    await consumer.close();
  }
}

/**
 * End-to-end latency at a fixed offered rate: a 1 ms timer issues the sends that are due (at
 * most 1024 outstanding), while the consumer receives and acks concurrently.
 */
export async function latencyPhase(
  client: DanubeClient,
  opts: PhaseOptions & { rate: number },
): Promise<LatencyResult> {
  const producer = await reliableProducer(client, opts.topic);
  const consumer = await benchConsumer(client, opts.topic);
  const publishToReceive = new Float64Array(opts.count);
  const sendToReceive = new Float64Array(opts.count);
  let received = 0;
  const started = performance.now();
  const deadline = started + opts.capMs;
  const consuming = drain(consumer, opts.count, deadline + IDLE_MS, (bytes, publishTime) => {
    const now = performance.now();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    sendToReceive[received] = now - view.getFloat64(0);
    publishToReceive[received] = Date.now() - Number(publishTime);
    received++;
  });

  let issued = 0;
  let outstanding = 0;
  const sends = new Set<Promise<void>>();
  let issuing = 0;
  while (issued < opts.count && performance.now() < deadline) {
    const elapsed = performance.now() - started;
    const due = Math.min(opts.count, Math.floor((elapsed * opts.rate) / 1000));
    while (issued < due && outstanding < 1024) {
      const body = new Uint8Array(PAYLOAD_BYTES);
      new DataView(body.buffer).setFloat64(0, performance.now());
      issued++;
      outstanding++;
      const p: Promise<void> = producer.send(body).then(
        () => {
          outstanding--;
          sends.delete(p);
        },
        () => {
          outstanding--;
          sends.delete(p);
        },
      );
      sends.add(p);
    }
    issuing = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(sends);
  await producer.close();
  const { lastAt } = await consuming;
  await consumer.close();
  return {
    offeredRate: opts.rate,
    issuedRate: issuing > 0 ? (issued * 1000) / issuing : 0,
    issued,
    received,
    receiveRate: received > 0 ? (received * 1000) / (lastAt - started) : 0,
    publishToReceive: publishToReceive.subarray(0, received),
    sendToReceive: sendToReceive.subarray(0, received),
    capped: issued < opts.count,
  };
}
