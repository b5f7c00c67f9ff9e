// The send seam: the one place a topic producer hands a message to the broker.
// Today one unary SendMessage per message; a streaming publish can replace createUnarySender.
import type { danube } from "@danube-ts/protocol";
import type { Metadata } from "@grpc/grpc-js";
import type { CallContext } from "../call-context.ts";
import type { BrokerConnection } from "../transport/connection-pool.ts";
import { sendMessageRpc } from "../transport/hot-calls.ts";

/**
 * CreateProducer response header of a danube-ts broker: its SendMessage honours
 * {@link afterHeader}, so offsets follow the order the client states. Upstream brokers never send
 * it; nothing on the wire messages changes.
 */
export const sequencingHeader = "x-danube-ts-sequencing";
/** SendMessage request header: the request id of the send this one follows, or `none`. */
export const afterHeader = "x-danube-ts-after";

/** Sends messages of one topic producer. */
export interface MessageSender {
  /**
   * Sends one message; resolves with the request id the broker echoed. `after` (only for a
   * sequencing broker) is the request id of the in-flight send it follows, null for none.
   */
  send(message: danube.StreamMessage, ctx: CallContext, after?: bigint | null): Promise<bigint>;
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
