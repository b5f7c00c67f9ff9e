// A corpus of malformed bytes and hostile-but-valid messages sent to every RPC of both ports,
// below the generated encoders (raw serializers), so the broker sees exactly these bytes.

import assert from "node:assert/strict";
import { test } from "node:test";
import { admin, danube, schema } from "@danube-ts/protocol";
import { Client, credentials, Metadata, status } from "@grpc/grpc-js";
import { collect, testBroker, uniqueTopic } from "./helpers.ts";

interface Method {
  path: string;
  responseStream: boolean;
  requestSerialize(value: unknown): Buffer;
  requestDeserialize(bytes: Buffer): unknown;
}

type Definition = Record<string, Method>;

const clientPort: Definition[] = [
  danube.ProducerServiceService,
  danube.ConsumerServiceService,
  danube.DiscoveryService,
  danube.HealthCheckService,
  danube.StorageServiceService,
  schema.SchemaRegistryService,
] as unknown as Definition[];

const adminPort: Definition[] = [
  admin.BrokerAdminService,
  admin.ClusterAdminService,
  admin.NamespaceAdminService,
  admin.TopicAdminService,
  schema.SchemaRegistryService,
] as unknown as Definition[];

const varint = (value: bigint): number[] => {
  const out: number[] = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
};
const tag = (field: number, wireType: number) => varint(BigInt((field << 3) | wireType));

/** Bytes no protobuf decoder may accept: each must get INVALID_ARGUMENT. */
const malformed: Array<[string, Buffer]> = [
  ["truncated varint", Buffer.from([0x08, 0xff])],
  ["truncated tag", Buffer.from([0x80])],
  ["length past the end", Buffer.from([0x0a, 0x10, 0x41])],
  ["4 GiB length", Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x41])],
  ["wire type 7", Buffer.from([0x0f, 0x01])],
  ["unterminated group", Buffer.from([0x0b, 0x08, 0x01])],
  ["truncated fixed64", Buffer.from([0x09, 0x01, 0x02])],
];

/** Valid protobuf with hostile values, field by field (whatever the field's declared type). */
function hostileWire(): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [
    ["empty message", Buffer.alloc(0)],
    [
      "u64 max in every field",
      Buffer.from(Array.from({ length: 8 }, (_, i) => [...tag(i + 1, 0), ...varint(2n ** 64n - 1n)]).flat()),
    ],
    [
      "2^63 in every field",
      Buffer.from(Array.from({ length: 8 }, (_, i) => [...tag(i + 1, 0), ...varint(2n ** 63n)]).flat()),
    ],
    [
      "wrong wire types everywhere",
      Buffer.from(Array.from({ length: 8 }, (_, i) => [...tag(i + 1, 5), 1, 2, 3, 4]).flat()),
    ],
    ["unknown field numbers", Buffer.from([...tag(999, 0), 1, ...tag(536870911, 2), 0])],
  ];
  for (const field of [1, 2, 3]) {
    const name = Buffer.alloc(1024 * 1024, "a");
    out.push([
      `1 MiB string in field ${field}`,
      Buffer.concat([Buffer.from([...tag(field, 2), ...varint(BigInt(name.length))]), name]),
    ]);
  }
  const nested = Buffer.from([...tag(1, 0), ...varint(2n ** 64n - 1n), ...tag(2, 2), 0]);
  out.push([
    "nested message with u64 max",
    Buffer.concat([Buffer.from([...tag(2, 2), nested.length]), nested]),
  ]);
  return out;
}

/** Structured hostile values built from each request type's own defaults. */
function hostileObjects(method: Method): Array<[string, Buffer]> {
  const base = method.requestDeserialize(Buffer.alloc(0)) as Record<string, unknown>;
  const variant = (
    name: string,
    str: (k: string) => string,
    num: number,
    big: bigint,
  ): [string, Buffer] | undefined => {
    const value: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(base)) {
      if (typeof v === "string") value[key] = str(key);
      else if (typeof v === "number") value[key] = num;
      else if (typeof v === "bigint") value[key] = big;
      else if (typeof v === "boolean") value[key] = true;
      else if (Array.isArray(v))
        value[key] = Array.from({ length: 1000 }, (_, i) => `${str(key).slice(0, 16)}*${i}`);
      else value[key] = v;
    }
    try {
      return [name, method.requestSerialize(value)];
    } catch {
      return undefined; // the generated encoder refuses this value: nothing to send
    }
  };
  return [
    variant("empty names, -1 numbers", () => "", -1, 0n),
    variant("path-like names, invalid enums", () => "/default/../../etc\u0000é", 2_147_483_647, 2n ** 63n),
    variant("64 KiB names, u64 max", () => "n/".repeat(32 * 1024), 4_294_967_295, 2n ** 64n - 1n),
    variant("unknown names and ids", (k) => `/default/unknown-${k}`, 7, 123_456_789n),
  ].filter((v): v is [string, Buffer] => v !== undefined);
}

/** Hand-made messages for the RPCs that take ids or references. */
const specific: Record<string, unknown[]> = {
  "/danube.ConsumerService/Ack": [
    {
      requestId: 1n,
      msgId: { producerId: 1n, topicName: "/default/nope", brokerAddr: "", topicOffset: 2n ** 64n - 1n },
      subscriptionName: "s",
    },
    { requestId: 1n, msgId: undefined, subscriptionName: "" },
  ],
  "/danube.ConsumerService/Nack": [
    {
      requestId: 1n,
      msgId: { producerId: 1n, topicName: "/default/nope", brokerAddr: "", topicOffset: 0n },
      subscriptionName: "s",
      delayMs: 2n ** 64n - 1n,
      reason: "x".repeat(100_000),
    },
  ],
  "/danube.ProducerService/SendMessage": [
    danube.StreamMessage.fromPartial({
      msgId: { producerId: 2n ** 64n - 1n, topicName: "/default/nope" },
      payload: new Uint8Array(10),
    }),
    danube.StreamMessage.fromPartial({ msgId: undefined }),
  ],
  "/danube.ConsumerService/ReceiveMessages": [{ requestId: 1n, consumerId: 2n ** 64n - 1n }],
  "/danube.HealthCheck/HealthCheck": [{ requestId: 1n, client: 7, id: 1n }],
};

interface Outcome {
  path: string;
  what: string;
  code: number;
  details: string;
  ms: number;
}

function send(client: Client, method: Method, what: string, bytes: Buffer): Promise<Outcome> {
  const started = Date.now();
  const deadline = Date.now() + 10_000;
  const done = (code: number, details: string): Outcome => ({
    path: method.path,
    what,
    code,
    details,
    ms: Date.now() - started,
  });
  const identity = (b: Buffer) => b;
  return new Promise((resolve) => {
    if (method.responseStream) {
      const call = client.makeServerStreamRequest(method.path, identity, identity, bytes, new Metadata(), {
        deadline,
      });
      call.on("data", () => {});
      call.on("error", (err: { code: number; details: string }) => resolve(done(err.code, err.details)));
      call.on("end", () => resolve(done(status.OK, "stream ended")));
      return;
    }
    client.makeUnaryRequest(method.path, identity, identity, bytes, new Metadata(), { deadline }, (err) =>
      resolve(err ? done(err.code, err.details) : done(status.OK, "")),
    );
  });
}

async function inPool<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

test("malformed and hostile requests to every RPC get a status; the broker keeps serving", async (t) => {
  const errors: string[] = [];
  const logger = {
    debug() {},
    info() {},
    warn() {},
    error: (message: string, err?: unknown) => errors.push(`${message}: ${String(err)}`),
  };
  const { broker, client } = await testBroker(t, { logger });
  const clients = {
    client: new Client(broker.url.replace("http://", ""), credentials.createInsecure()),
    admin: new Client(broker.adminUrl.replace("http://", ""), credentials.createInsecure()),
  };
  t.after(() => {
    clients.client.close();
    clients.admin.close();
  });

  const tasks: Array<() => Promise<Outcome>> = [];
  const wire = hostileWire();
  for (const [port, definitions] of [
    ["client", clientPort],
    ["admin", adminPort],
  ] as const) {
    for (const definition of definitions) {
      for (const method of Object.values(definition)) {
        // The client port gets the whole corpus; the admin port a sample of it (bounded run time).
        const objects = hostileObjects(method);
        const corpus: Array<[string, Buffer]> =
          port === "client"
            ? [
                ...malformed,
                ...wire,
                ...objects,
                ...(specific[method.path] ?? []).map((v, i): [string, Buffer] => [
                  `specific ${i}`,
                  method.requestSerialize(v),
                ]),
              ]
            : [malformed[0], malformed[3], wire[0], objects[2]].filter(
                (c): c is [string, Buffer] => c !== undefined,
              );
        for (const [what, bytes] of corpus)
          tasks.push(() => send(clients[port], method, `${port}: ${what}`, bytes));
      }
    }
  }
  const started = Date.now();
  const outcomes = await inPool(tasks, 8);
  const elapsed = Date.now() - started;
  const codes = new Map<number, number>();
  for (const o of outcomes) codes.set(o.code, (codes.get(o.code) ?? 0) + 1);
  t.diagnostic(
    `${outcomes.length} calls in ${elapsed} ms; statuses: ${JSON.stringify(Object.fromEntries(codes))}`,
  );

  const show = (list: Outcome[]) =>
    list.map((o) => `${o.path} <${o.what}> -> ${o.code} ${o.details.slice(0, 120)} (${o.ms} ms)`);
  // Every call was answered by the broker, none ran into its deadline or lost its connection.
  const late = outcomes.filter((o) => o.code === status.DEADLINE_EXCEEDED || o.code === status.UNAVAILABLE);
  assert.deepEqual(show(late), [], "calls without an answer");
  // Undecodable bytes are the caller's fault (UNIMPLEMENTED: RPCs a standalone broker does not serve).
  const undecodable = outcomes.filter((o) => malformed.some(([what]) => o.what.endsWith(`: ${what}`)));
  const wrong = undecodable.filter(
    (o) => o.code !== status.INVALID_ARGUMENT && o.code !== status.UNIMPLEMENTED,
  );
  assert.deepEqual(show(wrong), [], "undecodable requests must answer INVALID_ARGUMENT");
  // No handler failed unexpectedly (an INTERNAL from a thrown bug is logged as an error).
  assert.deepEqual(errors, [], "unexpected handler errors");
  // INTERNAL only where upstream answers it and its clients expect it (schema registry failures).
  const internal = outcomes.filter(
    (o) =>
      o.code === status.INTERNAL &&
      !(o.path.startsWith("/danube_schema.") && o.details.startsWith("Failed to")),
  );
  assert.deepEqual(show(internal), [], "INTERNAL answers");
  // Ack/Nack for a topic the broker does not have: NOT_FOUND (upstream: INTERNAL; docs/status-codes.md).
  const unknownTopic = outcomes.filter(
    (o) => /ConsumerService\/(Ack|Nack)$/.test(o.path) && o.what === "client: specific 0",
  );
  assert.equal(unknownTopic.length, 2);
  for (const o of unknownTopic) assert.equal(o.code, status.NOT_FOUND, show([o])[0]);
  // Status messages stay small whatever the request echoed.
  assert.ok(outcomes.every((o) => o.details.length < 2_048));

  // Still healthy: a health check answers and a normal produce/consume round trip works.
  const healthClient = new danube.HealthCheckClient(
    broker.url.replace("http://", ""),
    credentials.createInsecure(),
  );
  t.after(() => healthClient.close());
  const health = await new Promise<number>((resolve, reject) =>
    healthClient.healthCheck(
      { requestId: 1n, client: danube.HealthCheckRequest_ClientType.Producer, id: 1n },
      (err, res) => (err ? reject(err) : resolve(res.status)),
    ),
  );
  assert.equal(health, danube.HealthCheckResponse_ClientStatus.CLOSE);
  const topic = uniqueTopic("after-corpus");
  const producer = await client.createProducer({ topic, name: "p", dispatchStrategy: "Reliable" });
  const consumer = await client.subscribe({ topic, subscription: "s", consumerName: "c" });
  const got = collect(consumer, (m) => m.ack());
  await producer.send("still here");
  assert.deepEqual(
    (await got.waitFor(1)).map((m) => m.text()),
    ["still here"],
  );
});
