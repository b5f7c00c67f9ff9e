// Keeps a topic's appends in arrival order while some publishes wait before their offset is
// assigned (today: payload validation of a large schema on the worker thread).
//
// The send path's contract (producer-sequencer.ts) is that a publish takes its place in the topic
// when it is called: the sequencer calls publishes in the producer's order and expects offsets in
// that order. A publish that must wait therefore enters this gate, and so does every publish to
// the topic that arrives while anything waits in it; each one's append starts only after the one
// before it started (or was refused). With nothing waiting, publishes bypass the gate.
import { BrokerError, Status } from "../errors.ts";
import type { Topic } from "./topic.ts";

/** Payload bytes that may wait in one topic's gate; past it publishes are refused with UNAVAILABLE. */
export const MAX_GATE_BYTES = 64 * 1024 * 1024;

type Outcome = { error: unknown } | undefined;

export class PublishGate {
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;
  #bytes = 0;
  /** Set when a publish was refused for lack of room: every later one is refused until the gate empties. */
  #refusing = false;

  constructor(private readonly maxBytes = MAX_GATE_BYTES) {}

  /** Nothing waits: a publish that needs no wait may append at once. */
  get idle(): boolean {
    return this.#waiting === 0;
  }

  /**
   * Appends (via `append`, which assigns the offset synchronously) once `ready` settled and every
   * earlier publish in the gate started. A rejected `ready` refuses the message with its error.
   */
  pass(size: number, ready: Promise<void> | undefined, append: () => Promise<void>): Promise<void> {
    if (this.#refusing || (this.#waiting > 0 && this.#bytes + size > this.maxBytes)) {
      // Refuse everything until the gate empties: a successor admitted while an earlier send was
      // refused would be stored before that send's retry (the client resends in order).
      this.#refusing = true;
      return Promise.reject(
        new BrokerError(
          Status.Unavailable,
          `${this.#bytes} bytes already wait for schema validation on this topic; resend later, in order`,
        ),
      );
    }
    const previous = this.#tail;
    let started!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      started = resolve;
    });
    this.#waiting++;
    this.#bytes += size;
    const leave = () => {
      this.#waiting--;
      this.#bytes -= size;
      if (this.#waiting === 0) this.#refusing = false;
      started();
    };
    // Settled into a value at once, so a refusal never counts as an unhandled rejection while it
    // waits for earlier publishes.
    const outcome: Promise<Outcome> = (ready ?? Promise.resolve()).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    return previous
      .then(() => outcome)
      .then((result) => {
        if (result !== undefined) {
          leave();
          throw result.error;
        }
        try {
          return append();
        } finally {
          leave();
        }
      });
  }
}

const gates = new WeakMap<Topic, PublishGate>();

/** The topic's gate (created on first use). */
export function gateOf(topic: Topic): PublishGate {
  let gate = gates.get(topic);
  if (!gate) {
    gate = new PublishGate();
    gates.set(topic, gate);
  }
  return gate;
}
