// Topic discovery: TopicLookup (which broker serves a topic) and TopicPartitions.
import { danube } from "@danube-ts/protocol";
import type { CallContext } from "./call-context.ts";
import { traceLookup } from "./diagnostics/hooks.ts";
import { DanubeError, ErrorCode } from "./errors.ts";
import type { ClientRuntime } from "./runtime.ts";
import type { BrokerAddress } from "./transport/connection-pool.ts";
import { unaryCall } from "./transport/unary.ts";

/** Asks the broker at `from` which broker serves `topic` (honouring Connect and Redirect). */
export async function lookupTopic(
  runtime: ClientRuntime,
  from: BrokerAddress,
  topic: string,
  ctx: CallContext,
): Promise<BrokerAddress> {
  const connection = runtime.pool.get(from);
  const request: danube.TopicLookupRequest = { requestId: runtime.nextRequestId(), topic };
  const response = await traceLookup("lookup", topic, request.requestId, () =>
    unaryCall<danube.TopicLookupResponse>(ctx, "TopicLookup", (options, callback) =>
      connection.discovery.topicLookup(request, runtime.pool.metadata(), options, callback),
    ),
  );
  switch (response.responseType) {
    case danube.TopicLookupResponse_LookupType.Connect:
    case danube.TopicLookupResponse_LookupType.Redirect: {
      const brokerUrl = response.brokerUrl || response.connectUrl || from.brokerUrl;
      const connectUrl = response.connectUrl || brokerUrl;
      return { brokerUrl, connectUrl, proxy: response.proxy || brokerUrl !== connectUrl };
    }
    case danube.TopicLookupResponse_LookupType.Failed:
      throw new DanubeError(ErrorCode.NOT_FOUND, `${ctx.operation}: topic lookup failed for ${topic}`);
    default:
      throw new DanubeError(
        ErrorCode.UNKNOWN,
        `${ctx.operation}: unknown lookup response type ${String(response.responseType)} for ${topic}`,
      );
  }
}

/**
 * The broker to use for `topic`: the lookup result, or `fallback` when the topic does not
 * exist yet (NOT_FOUND), so that creating a producer can auto-create it.
 */
export async function resolveTopicAddress(
  runtime: ClientRuntime,
  fallback: BrokerAddress,
  topic: string,
  ctx: CallContext,
): Promise<BrokerAddress> {
  try {
    return await lookupTopic(runtime, fallback, topic, ctx);
  } catch (error) {
    if (error instanceof DanubeError && error.code === ErrorCode.NOT_FOUND) return fallback;
    throw error;
  }
}

/** The topics behind `topic`: itself, or its `-part-<i>` partitions; empty if none exist. */
export async function topicPartitions(
  runtime: ClientRuntime,
  topic: string,
  ctx: CallContext,
): Promise<string[]> {
  const connection = runtime.pool.get(runtime.serviceAddress);
  const request: danube.TopicLookupRequest = { requestId: runtime.nextRequestId(), topic };
  const response = await traceLookup("partitions", topic, request.requestId, () =>
    unaryCall<danube.TopicPartitionsResponse>(ctx, "TopicPartitions", (options, callback) =>
      connection.discovery.topicPartitions(request, runtime.pool.metadata(), options, callback),
    ),
  );
  return response.partitions;
}
