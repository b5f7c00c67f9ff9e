// The danube-ts Consume stream under auth mode tls: the same token, RBAC and ownership checks as
// ReceiveMessages (when it opens) and Ack/Nack (per ack), answered with the same status codes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { consumeStream, type danube } from "@danube-ts/protocol";
import { type ServiceError, status } from "@grpc/grpc-js";
import {
  bearer,
  caller,
  hostPort,
  type SecureBroker,
  secureBroker,
  tlsChannelOptions,
} from "../fixtures/secure-broker.ts";
import { createBinding, createProducer, createRole, send, subscribe } from "./requests.ts";

/** Opens a Consume call as `token` for `consumerId`; resolves with the first frame or the status. */
function consume(sb: SecureBroker, token: string | undefined, consumerId: bigint) {
  const client = new consumeStream.ConsumeStreamClient(
    hostPort(sb.broker.url),
    sb.creds(),
    tlsChannelOptions,
  );
  const call = client.consume(bearer(token));
  const frames: consumeStream.ConsumeResponse[] = [];
  let failure: ServiceError | undefined;
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  call.on("data", (frame: consumeStream.ConsumeResponse) => {
    frames.push(frame);
    wake();
  });
  call.on("error", (err: ServiceError) => {
    failure = err;
    wake();
  });
  call.on("end", wake);
  call.write({ frame: { $case: "open", value: { consumerId, credit: { messages: 10, bytes: 0n } } } });
  /** Waits until `check` holds (or the call failed), at most 5 s. */
  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!check() && failure === undefined && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return {
    frames,
    failure: () => failure,
    until,
    ack(message: danube.StreamMessage, subscriptionName: string, nack = false) {
      call.write({
        frame: {
          $case: "acks",
          value: {
            acks: [
              {
                ackId: 1n,
                msgId: message.msgId,
                subscriptionName,
                nack,
                delayMs: undefined,
                reason: undefined,
              },
            ],
          },
        },
      });
    },
    close() {
      call.cancel();
      client.close();
    },
  };
}

const deliveries = (frames: consumeStream.ConsumeResponse[]) =>
  frames.flatMap((f) => (f.frame?.$case === "delivery" ? f.frame.value.messages : []));
const ackResults = (frames: consumeStream.ConsumeResponse[]) =>
  frames.flatMap((f) => (f.frame?.$case === "ackResult" ? [f.frame.value] : []));

test("Consume needs a token, Consume permission and the consumer's owner; acks are checked as Ack", async (t) => {
  const sb = await secureBroker(t);
  const root = caller(sb, sb.token("admin"));
  await createRole(root, "client", ["Produce", "Consume", "Lookup"]);
  await createRole(root, "producer", ["Produce", "Lookup"]);
  await createBinding(root, "alice", "alice", ["client"], "namespace", "default");
  await createBinding(root, "bob", "bob", ["client"], "namespace", "default");
  await createBinding(root, "carol", "carol", ["producer"], "namespace", "default");
  const alice = caller(sb, sb.token("alice"));
  const bob = caller(sb, sb.token("bob"));
  const topic = "/default/streamed";
  const producer = await createProducer(alice, topic);
  const consumer = await subscribe(alice, topic, "s1", "c1");
  await send(alice, topic, producer, "m1");

  const anonymous = consume(sb, undefined, consumer);
  await anonymous.until(() => false);
  assert.equal(anonymous.failure()?.code, status.UNAUTHENTICATED);
  anonymous.close();

  const carol = consume(sb, sb.token("carol"), consumer);
  await carol.until(() => false);
  assert.equal(carol.failure()?.code, status.PERMISSION_DENIED, "no Consume permission");
  carol.close();

  const intruder = consume(sb, sb.token("bob"), consumer);
  await intruder.until(() => false);
  assert.equal(intruder.failure()?.code, status.PERMISSION_DENIED);
  assert.match(intruder.failure()?.details ?? "", /consumer \d+ belongs to another principal/);
  intruder.close();

  const owner = consume(sb, sb.token("alice"), consumer);
  await owner.until(() => deliveries(owner.frames).length === 1);
  const message = deliveries(owner.frames)[0];
  assert.ok(message, `alice receives her message (${owner.failure()?.details ?? "no failure"})`);

  // Bob, on a stream of his own subscription, cannot ack or nack Alice's message.
  const bobConsumer = await subscribe(bob, topic, "s-bob", "c1");
  const bobs = consume(sb, sb.token("bob"), bobConsumer);
  bobs.ack(message, "s1");
  await bobs.until(() => ackResults(bobs.frames).length === 1);
  bobs.ack(message, "s1", true);
  await bobs.until(() => ackResults(bobs.frames).length === 2);
  for (const result of ackResults(bobs.frames)) {
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0]?.code, status.PERMISSION_DENIED);
    assert.match(result.errors[0]?.message ?? "", /belongs to another principal/);
  }
  bobs.close();

  owner.ack(message, "s1");
  await owner.until(() => ackResults(owner.frames).length === 1);
  assert.deepEqual(ackResults(owner.frames)[0], { settledThrough: 1n, errors: [] });
  owner.close();
});
