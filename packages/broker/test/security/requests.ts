// Request builders and one-line calls for the security tests.
import { admin, danube } from "@danube-ts/protocol";
import type { Caller } from "../fixtures/secure-broker.ts";

export async function createProducer(c: Caller, topicName: string, producerName = "p"): Promise<bigint> {
  const res = await c.client<danube.ProducerResponse>(
    danube.ProducerServiceService.createProducer,
    danube.ProducerRequest.fromPartial({
      requestId: 1n,
      producerName,
      topicName,
      dispatchStrategy: danube.DispatchStrategy.Reliable,
    }),
  );
  return res.producerId;
}

export function send(c: Caller, topicName: string, producerId: bigint, text = "hello") {
  return c.client<danube.MessageResponse>(
    danube.ProducerServiceService.sendMessage,
    danube.StreamMessage.fromPartial({
      requestId: 2n,
      msgId: { producerId, topicName, brokerAddr: "", topicOffset: 0n },
      payload: new TextEncoder().encode(text),
      publishTime: BigInt(Date.now()),
      producerName: "p",
    }),
  );
}

export async function subscribe(c: Caller, topicName: string, subscription: string, consumerName = "c") {
  const res = await c.client<danube.ConsumerResponse>(
    danube.ConsumerServiceService.subscribe,
    danube.ConsumerRequest.fromPartial({
      requestId: 1n,
      topicName,
      consumerName,
      subscription,
      subscriptionType: danube.ConsumerRequest_SubscriptionType.Shared,
    }),
  );
  return res.consumerId;
}

/** The first message of the consumer's stream. */
export function receiveOne(c: Caller, consumerId: bigint) {
  return c.client<danube.StreamMessage>(
    danube.ConsumerServiceService.receiveMessages,
    danube.ReceiveRequest.fromPartial({ requestId: 1n, consumerId }),
  );
}

export function ack(c: Caller, message: danube.StreamMessage, subscriptionName: string) {
  return c.client<danube.AckResponse>(
    danube.ConsumerServiceService.ack,
    danube.AckRequest.fromPartial({ requestId: 3n, msgId: message.msgId, subscriptionName }),
  );
}

export function nack(c: Caller, message: danube.StreamMessage, subscriptionName: string) {
  return c.client<danube.NackResponse>(
    danube.ConsumerServiceService.nack,
    danube.NackRequest.fromPartial({ requestId: 3n, msgId: message.msgId, subscriptionName }),
  );
}

export function lookup(c: Caller, topic: string) {
  return c.client<danube.TopicLookupResponse>(
    danube.DiscoveryService.topicLookup,
    danube.TopicLookupRequest.fromPartial({ requestId: 1n, topic }),
  );
}

export function createRole(c: Caller, name: string, permissions: string[], system = false) {
  return c.admin(
    admin.SecurityAdminService.createRole,
    admin.CreateRoleRequest.fromPartial({ role: { name, permissions, system } }),
  );
}

export function createBinding(
  c: Caller,
  id: string,
  principalName: string,
  roleNames: string[],
  scope: string,
  resourceName = "",
  principalType = "service_account",
) {
  return c.admin(
    admin.SecurityAdminService.createBinding,
    admin.CreateBindingRequest.fromPartial({
      binding: { id, principalType, principalName, roleNames, scope, resourceName },
    }),
  );
}

export function deleteBinding(c: Caller, id: string, scope: string, resourceName = "") {
  return c.admin(
    admin.SecurityAdminService.deleteBinding,
    admin.DeleteBindingRequest.fromPartial({ bindingId: id, scope, resourceName }),
  );
}

export function createNamespace(c: Caller, name: string) {
  return c.admin(admin.NamespaceAdminService.createNamespace, admin.NamespaceRequest.fromPartial({ name }));
}
