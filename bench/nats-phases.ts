// The same workloads against NATS JetStream: js.publish (awaiting each PubAck) with 1/64/1,024 in
// flight, consume + ack of a stored backlog through a durable pull consumer with explicit acks
// and max_ack_pending as the window, and publish-to-receive latency with producer and consumer live.
import { AckPolicy, connect, type JetStreamClient, type NatsConnection, StorageType } from "nats";
import type { Meter } from "./meter.ts";
import {
  BACKLOG_IN_FLIGHT,
  benchPayload,
  IDLE_MS,
  idleWatch,
  type LatencyResult,
  type PhaseResult,
  type PipelineOptions,
  pacedSends,
  pipelined,
  pipelinedFigure,
} from "./phases.ts";

export interface NatsPhaseOptions {
  /** Stream and subject name (one stream per figure). */
  name: string;
  count: number;
  capMs: number;
  meter: Meter;
}

export class JetStreamBench {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;

  private constructor(nc: NatsConnection) {
    this.#nc = nc;
    this.#js = nc.jetstream();
  }

  static async connect(url: string): Promise<JetStreamBench> {
    return new JetStreamBench(await connect({ servers: url }));
  }

  async close(): Promise<void> {
    await this.#nc.drain();
  }

  async #stream(name: string): Promise<void> {
    const jsm = await this.#nc.jetstreamManager();
    await jsm.streams.add({ name, subjects: [name], storage: StorageType.File });
  }

  async publish(opts: { name: string } & PipelineOptions): Promise<PhaseResult> {
    await this.#stream(opts.name);
    return pipelinedFigure(() => this.#js.publish(opts.name, benchPayload), opts);
  }

  async #consumer(stream: string, window: number) {
    const jsm = await this.#nc.jetstreamManager();
    await jsm.consumers.add(stream, {
      durable_name: "bench",
      ack_policy: AckPolicy.Explicit,
      max_ack_pending: window,
    });
    return this.#js.consumers.get(stream, "bench");
  }

  /**
   * Receives until `expected`, the deadline or an idle gap, acking each message (m.ack(): sent,
   * not confirmed, as JetStream clients ack); calls `onMessage` first.
   */
  async #drain(
    stream: string,
    window: number,
    expected: number,
    deadline: number,
    onMessage: (data: Uint8Array) => void,
  ): Promise<{ received: number; lastAt: number }> {
    const consumer = await this.#consumer(stream, window);
    const messages = await consumer.consume({ max_messages: Math.min(window, 1000) });
    let received = 0;
    const idle = idleWatch(deadline, () => void messages.stop());
    try {
      for await (const m of messages) {
        onMessage(m.data);
        m.ack();
        received++;
        idle.lastAt = performance.now();
        if (received >= expected) break;
      }
    } finally {
      idle.clear();
      messages.stop();
    }
    await this.#nc.flush();
    return { received, lastAt: idle.lastAt };
  }

  async consume(opts: NatsPhaseOptions & { window: number }): Promise<PhaseResult> {
    await this.#stream(opts.name);
    const { ok } = await pipelined(
      () => this.#js.publish(opts.name, benchPayload),
      opts.count,
      BACKLOG_IN_FLIGHT,
      performance.now() + opts.capMs,
    );
    await opts.meter.start();
    const started = performance.now();
    const { received, lastAt } = await this.#drain(
      opts.name,
      opts.window,
      ok,
      started + opts.capMs,
      () => {},
    );
    await opts.meter.stop();
    return { messages: received, seconds: (lastAt - started) / 1000, capped: received < ok, failures: 0 };
  }

  async latency(opts: NatsPhaseOptions & { rate: number; window: number }): Promise<LatencyResult> {
    await this.#stream(opts.name);
    const sendToReceive = new Float64Array(opts.count);
    let received = 0;
    await opts.meter.start();
    const started = performance.now();
    const deadline = started + opts.capMs;
    const consuming = this.#drain(opts.name, opts.window, opts.count, deadline + IDLE_MS, (data) => {
      if (received >= sendToReceive.length) return;
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      sendToReceive[received++] = performance.now() - view.getFloat64(0);
    });
    const paced = await pacedSends(
      (body) => this.#js.publish(opts.name, body),
      opts.rate,
      opts.count,
      started,
      deadline,
    );
    const { lastAt } = await consuming;
    await opts.meter.stop();
    return {
      offeredRate: opts.rate,
      issuedRate: paced.issuedRate,
      issued: paced.issued,
      received,
      receiveRate: received > 0 ? (received * 1000) / (lastAt - started) : 0,
      seconds: (lastAt - started) / 1000,
      // JetStream messages carry no publish-time field comparable to danube's publish_time.
      publishToReceive: new Float64Array(0),
      sendToReceive: sendToReceive.subarray(0, received),
      capped: paced.issued < opts.count,
      failures: paced.failed,
    };
  }
}
