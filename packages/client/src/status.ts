// Typed status events (reconnects, background errors, close) and the hub that fans them out.
import type { DanubeError } from "./errors.ts";

/** The kinds of {@link ClientStatus} events. */
export const ClientStatusType = {
  /** A producer or consumer lost its broker registration or stream and is recovering. */
  Reconnecting: "reconnecting",
  /** The recovery announced by `reconnecting` succeeded. */
  Reconnected: "reconnected",
  /** A background operation failed with an error that retrying will not fix by itself. */
  Error: "error",
  /** The client, producer or consumer was closed; its status stream ends after this event. */
  Closed: "closed",
} as const;

/** One of the values of {@link ClientStatusType}. */
export type ClientStatusType = (typeof ClientStatusType)[keyof typeof ClientStatusType];

/** What a status event is about. */
export type StatusSource = "client" | "producer" | "consumer";

/** Fields of the events about one (partition) producer or consumer. */
interface TopicStatusBase {
  readonly source: "producer" | "consumer";
  /** The (partition) topic. */
  readonly topic: string;
  /** The producer name (`<name>-<i>` for a partition) or the consumer name. */
  readonly name: string;
}

/** Recovery started or is being retried. */
export interface ReconnectingStatus extends TopicStatusBase {
  readonly type: "reconnecting";
  /** 1 for the first try of this recovery, then counting up. */
  readonly attempt: number;
  /** Why, in words (the failure's message). */
  readonly reason: string;
  /** The failure that triggered this attempt, when there was one. */
  readonly cause: DanubeError | undefined;
}

/** Recovery finished: registered again (and, for producers, sending again). */
export interface ReconnectedStatus extends TopicStatusBase {
  readonly type: "reconnected";
  /** How many attempts the recovery took. */
  readonly attempt: number;
}

/** A background failure that is not retryable (the consumer keeps trying after a backoff). */
export interface ErrorStatus extends TopicStatusBase {
  readonly type: "error";
  readonly reason: string;
  readonly cause: DanubeError;
}

/** The source was closed. */
export interface ClosedStatus {
  readonly type: "closed";
  readonly source: StatusSource;
  /** The topic as given to createProducer/subscribe; undefined for the client. */
  readonly topic: string | undefined;
  /** The producer or consumer name; undefined for the client. */
  readonly name: string | undefined;
}

/** A status event, discriminated on `type`. */
export type ClientStatus = ReconnectingStatus | ReconnectedStatus | ErrorStatus | ClosedStatus;

/** Where producers and consumers report status events. */
export type StatusSink = (status: ClientStatus) => void;

/** Events buffered per status iterator; the oldest are dropped beyond this. */
export const statusBufferSize = 256;

interface Listener {
  readonly owner: object | undefined;
  readonly buffer: ClientStatus[];
  wake: (() => void) | undefined;
  ended: boolean;
  /** Whether this iterator dropped an event already (reported once). */
  dropped?: boolean;
}

/** Who else hears every status event (the client's observer: logs, metrics, traces). */
export interface StatusObserver {
  status(status: ClientStatus, owners: readonly object[]): void;
  /** An iterator dropped its oldest event for the first time. */
  statusDropped(status: ClientStatus): void;
}

/**
 * Fans status events out to every iterator. Each iterator buffers at most
 * {@link statusBufferSize} events (dropping the oldest), so a reader that never reads costs
 * bounded memory. Iterators of an owner end when the owner ends; all end when the hub closes.
 */
export class StatusHub {
  readonly #listeners = new Set<Listener>();
  readonly #ended = new WeakSet<object>();
  #closed = false;
  readonly #observer: StatusObserver | undefined;

  constructor(observer?: StatusObserver) {
    this.#observer = observer;
  }

  /** Delivers `status` to the iterators of every owner in `owners` and to the unfiltered ones. */
  emit(status: ClientStatus, owners: readonly object[] = []): void {
    this.#observer?.status(status, owners);
    for (const listener of this.#listeners) {
      if (listener.owner !== undefined && !owners.includes(listener.owner)) continue;
      if (listener.buffer.length >= statusBufferSize) {
        const oldest = listener.buffer.shift()!;
        if (listener.dropped !== true) this.#observer?.statusDropped(oldest);
        listener.dropped = true;
      }
      listener.buffer.push(status);
      listener.wake?.();
    }
  }

  /** A new iterator over the events of `owner` (all events when undefined). */
  iterate(owner?: object): AsyncIterableIterator<ClientStatus> {
    const listener: Listener = { owner, buffer: [], wake: undefined, ended: false };
    if (this.#closed || (owner !== undefined && this.#ended.has(owner))) listener.ended = true;
    else this.#listeners.add(listener);
    const finish = (): IteratorReturnResult<undefined> => {
      listener.ended = true;
      listener.buffer.length = 0;
      this.#listeners.delete(listener);
      listener.wake?.();
      return { value: undefined, done: true };
    };
    const iterator: AsyncIterableIterator<ClientStatus> = {
      next: async () => {
        while (listener.buffer.length === 0 && !listener.ended) {
          await new Promise<void>((resolve) => {
            listener.wake = resolve;
          });
          listener.wake = undefined;
        }
        const value = listener.buffer.shift();
        return value === undefined ? finish() : { value, done: false };
      },
      return: async () => finish(),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Ends the iterators of `owner` once they have read what is buffered. */
  end(owner: object): void {
    this.#ended.add(owner);
    for (const listener of this.#listeners) {
      if (listener.owner !== owner) continue;
      this.#listeners.delete(listener);
      listener.ended = true;
      listener.wake?.();
    }
  }

  /** Ends every iterator once it has read what is buffered. */
  close(): void {
    this.#closed = true;
    for (const listener of this.#listeners) {
      listener.ended = true;
      listener.wake?.();
    }
    this.#listeners.clear();
  }
}
