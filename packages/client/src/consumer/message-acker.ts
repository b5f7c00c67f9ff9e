// The ack seam: how a partition consumer's acks and nacks reach the broker. Upstream's unary
// Ack/Nack RPCs, or the danube-ts consume stream (consume-stream.ts), which batches them.
import type { danube } from "@danube-ts/protocol";
import type { Metadata } from "@grpc/grpc-js";
import type { CallContext } from "../call-context.ts";
import type { BrokerConnection } from "../transport/connection-pool.ts";
import { ackRpc } from "../transport/hot-calls.ts";
import { unaryCall } from "../transport/unary.ts";

/** One ack or nack, as the broker sees it. */
export interface AckCommand {
  message: danube.StreamMessage;
  subscription: string;
  /** Set for a negative acknowledgement. */
  nack?: { delayMs: number | undefined; reason: string | undefined } | undefined;
}

export interface MessageAcker {
  /**
   * Sends one ack or nack and resolves once the broker applied it; rejects with the error the
   * broker answered (a DanubeError or a gRPC status), once, without retrying.
   */
  settle(command: AckCommand, ctx: CallContext): Promise<void>;
}

/** Where unary calls go now: the consumer's current broker. */
export interface UnaryTarget {
  connection(): BrokerConnection;
  metadata(): Metadata;
}

/** Upstream's protocol: one Ack or Nack RPC per message. */
export function createUnaryAcker(target: UnaryTarget): MessageAcker {
  return {
    settle(command, ctx) {
      const { message, subscription, nack } = command;
      const connection = target.connection();
      const metadata = target.metadata();
      if (nack === undefined) {
        const request: danube.AckRequest = {
          requestId: message.requestId,
          msgId: message.msgId,
          subscriptionName: subscription,
        };
        return ackRpc(connection, request, metadata, ctx).then(() => undefined);
      }
      const request: danube.NackRequest = {
        requestId: message.requestId,
        msgId: message.msgId,
        subscriptionName: subscription,
        delayMs: nack.delayMs === undefined ? undefined : BigInt(nack.delayMs),
        reason: nack.reason,
      };
      return unaryCall<danube.NackResponse>(ctx, "Nack", (options, callback) =>
        connection.consumer.nack(request, metadata, options, callback),
      ).then(() => undefined);
    },
  };
}
