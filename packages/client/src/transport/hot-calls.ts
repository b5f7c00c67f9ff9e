// The two hot unary calls of upstream's protocol, SendMessage and Ack, over the raw node:http2
// client (h2-unary.ts) when it is usable and the caller's owner drives the call's stop, else over
// grpc-js. Same requests, same statuses, same errors either way.
import { danube } from "@danube-ts/protocol";
import type { Metadata } from "@grpc/grpc-js";
import type { CallContext } from "../call-context.ts";
import type { BrokerConnection } from "./connection-pool.ts";
import { NotGrpcError } from "./h2-unary.ts";
import { unaryCall } from "./unary.ts";

/**
 * The raw call's response, or undefined when the server answered without gRPC (the request was
 * not processed as a call): the raw client is then unusable and the call goes out again over
 * grpc-js. Other surprises (bad framing after a gRPC response) fail the call with INTERNAL
 * (the request may have been processed) and later calls use grpc-js.
 */
async function fallBack(call: Promise<Buffer>, ctx: CallContext): Promise<Buffer | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof NotGrpcError && ctx.stop?.reason === undefined) return undefined;
    throw error;
  }
}

const sendMessagePath = danube.ProducerServiceService.sendMessage.path;
const ackPath = danube.ConsumerServiceService.ack.path;

/** SendMessage: resolves with the request id the broker echoed. */
export async function sendMessageRpc(
  connection: BrokerConnection,
  message: danube.StreamMessage,
  metadata: Metadata,
  ctx: CallContext,
): Promise<bigint> {
  const h2 = connection.h2;
  if (h2?.usable && ctx.stop !== undefined) {
    const bytes = danube.StreamMessage.encode(message).finish();
    const response = await fallBack(h2.call(sendMessagePath, bytes, metadata.toHttp2Headers(), ctx), ctx);
    if (response !== undefined) return danube.MessageResponse.decode(response).requestId;
  }
  const response = await unaryCall<danube.MessageResponse>(ctx, "SendMessage", (options, callback) =>
    connection.producer.sendMessage(message, metadata, options, callback),
  );
  return response.requestId;
}

/** Ack: resolves once the broker accepted the acknowledgement. */
export async function ackRpc(
  connection: BrokerConnection,
  request: danube.AckRequest,
  metadata: Metadata,
  ctx: CallContext,
): Promise<danube.AckResponse> {
  const h2 = connection.h2;
  if (h2?.usable && ctx.stop !== undefined) {
    const bytes = danube.AckRequest.encode(request).finish();
    const response = await fallBack(h2.call(ackPath, bytes, metadata.toHttp2Headers(), ctx), ctx);
    if (response !== undefined) return danube.AckResponse.decode(response);
  }
  return unaryCall<danube.AckResponse>(ctx, "Ack", (options, callback) =>
    connection.consumer.ack(request, metadata, options, callback),
  );
}
