// The send seam: the one place a topic producer hands a message to the broker.
// Today one unary SendMessage per message; a streaming publish can replace createUnarySender.

import type { danube } from "@danube-ts/protocol";
import type { Metadata } from "@grpc/grpc-js";
import type { CallContext } from "../call-context.ts";
import type { BrokerConnection } from "../transport/connection-pool.ts";
import { unaryCall } from "../transport/unary.ts";

/** Sends messages of one topic producer. */
export interface MessageSender {
  /** Sends one message; resolves with the request id the broker echoed. */
  send(message: danube.StreamMessage, ctx: CallContext): Promise<bigint>;
}

/** A sender making one `SendMessage` unary call per message. */
export function createUnarySender(connection: BrokerConnection, metadata: () => Metadata): MessageSender {
  return {
    async send(message, ctx) {
      const response = await unaryCall<danube.MessageResponse>(ctx, "SendMessage", (options, callback) =>
        connection.producer.sendMessage(message, metadata(), options, callback),
      );
      return response.requestId;
    },
  };
}
