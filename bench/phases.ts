// The measured danube phases. Each uses its own reliable topic and stops at `count` messages or
// `capMs`, whichever comes first; `meter` brackets the timed section (CPU, RPC counts).
import type { AdminClient, Consumer, DanubeClient, Producer } from "@danube-ts/client";
import { DispatchStrategy, SubscriptionType } from "@danube-ts/client";
import { AckPipeline } from "./ack-pipeline.ts";
import type { Meter } from "./meter.ts";

export const PAYLOAD_BYTES = 1024;
export const ACKS_IN_FLIGHT = 256;
/** A consumer that receives nothing for this long is considered done. */
export const IDLE_MS = 10_000;
/** Sends outstanding while a backlog is written. */
export const BACKLOG_IN_FLIGHT = 64;

export interface PhaseOptions {
  topic: string;
  count: number;
  capMs: number;
  meter: Meter;
}

/** What a pipelined throughput figure (publish, raw grpc-js calls) runs with. */
export interface PipelineOptions {
  /** At most this many calls counted. */
  count: number;
  /** How long the figure counts, unless `count` calls come first. */
  durationMs: number;
  inFlight: number;
  /** Warm-up before the figure counts: at least 200 calls and at least this long. */
  warmupMs: number;
  meter: Meter;
}

/** Calls made before a throughput figure counts, at the least (the warm-up's floor). */
const WARMUP_CALLS = 200;

export interface PhaseResult {
  messages: number;
  seconds: number;
  /** Whether the time cap ended the phase before `count`. */
  capped: boolean;
  /** Sends or acks that failed (the figure counts only successful ones). */
  failures: number;
}

export interface LatencyResult {
  offeredRate: number;
  /** Sends issued per second while pacing. */
  issuedRate: number;
  issued: number;
  received: number;
  /** Receive rate from the first send to the last receive. */
  receiveRate: number;
  seconds: number;
  /** publish_time (producer clock, ms) to receive, ms. */
  publishToReceive: Float64Array;
  /** send() call to receive, high-resolution, ms. */
  sendToReceive: Float64Array;
  capped: boolean;
  failures: number;
}

export const benchPayload = new Uint8Array(PAYLOAD_BYTES).fill(0x61);

export async function reliableProducer(client: DanubeClient, topic: string): Promise<Producer> {
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

/**
 * Runs `send` up to `count` times with `inFlight` outstanding, until `deadline`
 * (performance.now()); returns the successful and failed sends.
 */
export async function pipelined(
  send: () => Promise<unknown>,
  count: number,
  inFlight: number,
  deadline: number,
): Promise<{ ok: number; failed: number }> {
  let issued = 0;
  let ok = 0;
  let failed = 0;
  const worker = async () => {
    while (issued < count && performance.now() < deadline) {
      issued++;
      try {
        await send();
        ok++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return { ok, failed };
}

/**
 * A throughput figure of `call` with `inFlight` outstanding: a warm-up (at least 200 calls and
 * `warmupMs`: JIT, a new topic or stream, connection windows), then `durationMs` (or `count`
 * calls, whichever first), metered. A figure of a fixed time rather than a fixed count: 20,000
 * messages took 0.4 s on the stream path, where one collection or slow fsync moved the figure by
 * half, and 16 s on the unary path at 1 in flight.
 */
export async function pipelinedFigure(
  call: () => Promise<unknown>,
  opts: PipelineOptions,
): Promise<PhaseResult> {
  const warmStart = performance.now();
  await pipelined(call, Math.min(WARMUP_CALLS, opts.count), opts.inFlight, Number.POSITIVE_INFINITY);
  const warmEnd = warmStart + opts.warmupMs;
  if (performance.now() < warmEnd) await pipelined(call, Number.POSITIVE_INFINITY, opts.inFlight, warmEnd);
  await opts.meter.start();
  const started = performance.now();
  const { ok, failed } = await pipelined(call, opts.count, opts.inFlight, started + opts.durationMs);
  const seconds = (performance.now() - started) / 1000;
  await opts.meter.stop();
  return { messages: ok, seconds, capped: false, failures: failed };
}

/** Reliable publish throughput with `inFlight` sends outstanding (after a warm-up). */
export async function publishPhase(
  client: DanubeClient,
  opts: { topic: string } & PipelineOptions,
): Promise<PhaseResult> {
  const producer = await reliableProducer(client, opts.topic);
  try {
    return await pipelinedFigure(() => producer.send(benchPayload), opts);
  } finally {
    await producer.close();
  }
}

/** Receives and acks until `expected` messages, the deadline or an idle gap; calls `onMessage` first. */
export async function drain(
  consumer: Consumer,
  expected: number,
  deadline: number,
  onMessage: (payload: Uint8Array, publishTime: bigint) => void,
): Promise<{ received: number; lastAt: number; ackFailures: number }> {
  const acks = new AckPipeline(ACKS_IN_FLIGHT);
  let received = 0;
  const idle = idleWatch(deadline, () => void consumer.close());
  try {
    for await (const msg of consumer) {
      onMessage(msg.payload, msg.publishTime);
      received++;
      idle.lastAt = performance.now();
      await acks.ack(msg);
      if (received >= expected) break;
    }
    await acks.drain();
  } finally {
    idle.clear();
  }
  return { received, lastAt: idle.lastAt, ackFailures: acks.failures };
}

/** See {@link idleWatch}. */
export interface IdleWatch {
  /** performance.now() of the last message; the caller sets it. */
  lastAt: number;
  clear(): void;
}

/**
 * Calls `stop` once IDLE_MS pass after `lastAt`, or at `deadline` (performance.now()), on one
 * timer re-armed when it fires. A timer re-armed per message (as before 2026-12-04) cost the bench's
 * own loop about 1% of the client's CPU and a Timeout object per message.
 */
export function idleWatch(deadline: number, stop: () => void): IdleWatch {
  let timer: NodeJS.Timeout | undefined;
  const watch: IdleWatch = { lastAt: performance.now(), clear: () => clearTimeout(timer) };
  const check = (): void => {
    const due = Math.min(watch.lastAt + IDLE_MS, deadline);
    const now = performance.now();
    if (now >= due) stop();
    else timer = setTimeout(check, due - now);
  };
  check();
  return watch;
}

/** Writes `count` messages to `topic` with BACKLOG_IN_FLIGHT outstanding; returns how many were stored. */
export async function writeBacklog(
  client: DanubeClient,
  topic: string,
  count: number,
  deadline: number,
): Promise<number> {
  const producer = await reliableProducer(client, topic);
  try {
    const { ok } = await pipelined(() => producer.send(benchPayload), count, BACKLOG_IN_FLIGHT, deadline);
    return ok;
  } finally {
    await producer.close();
  }
}

/** Subscribes to `topic` (creating the subscription) with an explicit unacked window. */
export async function windowedConsumer(
  client: DanubeClient,
  admin: AdminClient,
  topic: string,
  window: number,
): Promise<Consumer> {
  // The producer creates the topic; the window is set before the subscription's first dispatch.
  const producer = await reliableProducer(client, topic);
  await producer.close();
  await admin.setSubscriptionDispatchConfig({ topic, subscription: "bench", maxUnackedMessages: window });
  return benchConsumer(client, topic);
}

/**
 * Consume + ack throughput over a stored backlog of `count` messages, with the subscription's
 * unacked window (broker maxUnackedMessages) set to `window` through the admin API.
 */
export async function consumePhase(
  client: DanubeClient,
  opts: PhaseOptions & { admin: AdminClient; window: number },
): Promise<PhaseResult> {
  const consumer = await windowedConsumer(client, opts.admin, opts.topic, opts.window);
  try {
    // The subscription exists before the backlog is written (so it keeps every message); while
    // nothing iterates the consumer, at most `window` messages are dispatched ahead.
    const backlog = await writeBacklog(client, opts.topic, opts.count, performance.now() + opts.capMs);
    await opts.meter.start();
    const started = performance.now();
    const { received, lastAt, ackFailures } = await drain(consumer, backlog, started + opts.capMs, () => {});
    await opts.meter.stop();
    return {
      messages: received,
      seconds: (lastAt - started) / 1000,
      capped: received < backlog,
      failures: ackFailures,
    };
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
  await opts.meter.start();
  const started = performance.now();
  const deadline = started + opts.capMs;
  const consuming = drain(consumer, opts.count, deadline + IDLE_MS, (bytes, publishTime) => {
    const now = performance.now();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (received >= sendToReceive.length) return;
    sendToReceive[received] = now - view.getFloat64(0);
    publishToReceive[received] = Date.now() - Number(publishTime);
    received++;
  });
  const paced = await pacedSends((body) => producer.send(body), opts.rate, opts.count, started, deadline);
  await producer.close();
  const { lastAt, ackFailures } = await consuming;
  await opts.meter.stop();
  await consumer.close();
  return {
    offeredRate: opts.rate,
    issuedRate: paced.issuedRate,
    issued: paced.issued,
    received,
    receiveRate: received > 0 ? (received * 1000) / (lastAt - started) : 0,
    seconds: (lastAt - started) / 1000,
    publishToReceive: publishToReceive.subarray(0, received),
    sendToReceive: sendToReceive.subarray(0, received),
    capped: paced.issued < opts.count,
    failures: paced.failed + ackFailures,
  };
}

/**
 * The figure without its first `warmup` received messages (sent during the warm-up at the same
 * rate); rates and counts still cover the whole run.
 */
export function afterWarmup(result: LatencyResult, warmup: number): LatencyResult {
  const skip = (values: Float64Array) => values.subarray(Math.min(warmup, values.length));
  return {
    ...result,
    publishToReceive: skip(result.publishToReceive),
    sendToReceive: skip(result.sendToReceive),
  };
}

/**
 * Issues `count` sends at `rate` per second from a 1 ms timer (at most 1,024 outstanding); each
 * payload carries its performance.now() send time in its first 8 bytes.
 */
export async function pacedSends(
  send: (body: Uint8Array) => Promise<unknown>,
  rate: number,
  count: number,
  started: number,
  deadline: number,
): Promise<{ issued: number; failed: number; issuedRate: number }> {
  let issued = 0;
  let failed = 0;
  let outstanding = 0;
  let allSettled: (() => void) | undefined;
  // Two callbacks for every send (no closure or Set entry per send: the bench's own garbage is
  // charged to the client process the latency figure measures).
  const settled = (): void => {
    outstanding--;
    if (outstanding === 0) allSettled?.();
  };
  const failedSend = (): void => {
    failed++;
    settled();
  };
  let issuing = 0;
  while (issued < count && performance.now() < deadline) {
    const elapsed = performance.now() - started;
    const due = Math.min(count, Math.floor((elapsed * rate) / 1000));
    while (issued < due && outstanding < 1024) {
      const body = new Uint8Array(PAYLOAD_BYTES);
      new DataView(body.buffer).setFloat64(0, performance.now());
      issued++;
      outstanding++;
      send(body).then(settled, failedSend);
    }
    issuing = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  if (outstanding > 0) {
    await new Promise<void>((resolve) => {
      allSettled = resolve;
    });
  }
  return { issued, failed, issuedRate: issuing > 0 ? (issued * 1000) / issuing : 0 };
}
