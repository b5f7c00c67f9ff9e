// The send seam: the one place a topic producer hands a message to the broker.
// One unary SendMessage per message (upstream's protocol), or the danube-ts publish stream
// (stream-sender.ts) when the broker announces it.
import { afterHeader, type danube } from "@danube-ts/protocol";
import type { Metadata } from "@grpc/grpc-js";
import type { CallContext } from "../call-context.ts";
import { DanubeError, ErrorCode } from "../errors.ts";
import type { BrokerConnection } from "../transport/connection-pool.ts";
import { sendMessageRpc } from "../transport/hot-calls.ts";
import type { TransportMode } from "../transport/transport-option.ts";
import { StreamSender } from "./stream-sender.ts";

/** Sends messages of one topic producer. */
export interface MessageSender {
  /**
   * Sends one message; resolves with the request id the broker echoed. `after` (only for a
   * sequencing broker) is the request id of the in-flight send it follows, null for none.
   */
  send(message: danube.StreamMessage, ctx: CallContext, after?: bigint | null): Promise<bigint>;
  /** Releases what the sender holds open (the publish stream); sends still waiting fail. */
  close?(): void;
}

/** A sender making one `SendMessage` unary call per message (raw node:http2 or grpc-js: hot-calls.ts). */
export function createUnarySender(connection: BrokerConnection, metadata: () => Metadata): MessageSender {
  return {
    async send(message, ctx, after) {
      const headers = metadata();
      if (after !== undefined) headers.set(afterHeader, after === null ? "none" : after.toString());
      return sendMessageRpc(connection, message, headers, ctx);
    },
  };
}

/**
 * The sender for a new registration under the client's `transport` option: the publish stream
 * when the broker announced it (and the option allows it), else unary SendMessage. With
 * "stream" and a broker that does not offer the stream, throws UNIMPLEMENTED.
 */
export function chooseSender(
  transport: TransportMode,
  announced: boolean,
  connection: BrokerConnection,
  metadata: () => Metadata,
  producerId: bigint,
  where: string,
): MessageSender {
  const unary = createUnarySender(connection, metadata);
  if (transport === "unary" || (transport === "auto" && !announced)) return unary;
  if (!announced) {
    throw new DanubeError(
      ErrorCode.UNIMPLEMENTED,
      `create producer: transport "stream" was requested but the broker at ${where} does not offer the publish stream (an upstream broker, or extensions.publishStream is off)`,
    );
  }
  return new StreamSender({
    connection,
    metadata,
    producerId,
    fallback: transport === "auto" ? unary : undefined,
  });
}
