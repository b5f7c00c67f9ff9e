import assert from "node:assert/strict";
import { test } from "node:test";
import { createAdminClient, DispatchStrategy } from "@danube-ts/client";
import { status } from "@grpc/grpc-js";
import { parseBrokerConfig } from "../src/config-file.ts";
import { BrokerError } from "../src/index.ts";
import { testBroker } from "./helpers.ts";
import { rawClient } from "./raw-client.ts";

// The layout of upstream's config/danube_broker_secure.yml, with our own values.
const secureYaml = `
cluster_name: "TEST_CLUSTER"
broker:
  host: "127.0.0.2"
  ports:
    client: 7000
    admin: 7001
    raft: 7650
    prometheus: 9040
meta_store:
  data_dir: "./data/raft"
bootstrap_namespaces:
  - "default"
  - "payments"
auto_create_topics: false
admin_tls: true
auth:
  mode: tls
  tls:
    cert_file: "./cert/server.pem"
    key_file: "./cert/server.key"
    ca_file: "./cert/ca.pem"
  jwt:
    secret_key: "s3cret"
    issuer: "danube-auth"
    expiration_time: 7200
  super_admins:
    - "admin"
load_manager:
  assignment_strategy: "fair"
  rebalancing:
    enabled: false
storage:
  mode: local
  wal:
    rotation:
      max_bytes: 536870912
dispatch:
  max_unacked_messages: 25
policies:
  max_producers_per_topic: 0
  max_message_size: 1048576
`;

test("upstream's secure broker YAML maps onto broker options; keys not used are listed", () => {
  const { options, unusedKeys } = parseBrokerConfig(secureYaml, "secure.yml");
  assert.deepEqual(options, {
    host: "127.0.0.2",
    adminHost: "127.0.0.2",
    port: 7000,
    adminPort: 7001,
    prometheus: { host: "127.0.0.2", port: 9040 },
    namespaces: ["default", "payments"],
    autoCreateTopics: false,
    adminTls: true,
    maxUnackedMessages: 25,
    maxMessageSize: 1048576,
    auth: {
      mode: "tls",
      tls: { certFile: "./cert/server.pem", keyFile: "./cert/server.key", caFile: "./cert/ca.pem" },
      jwt: { secret: "s3cret", issuer: "danube-auth", expirationSecs: 7200 },
      superAdmins: ["admin"],
    },
  });
  assert.deepEqual(unusedKeys, [
    "broker.ports.raft",
    "cluster_name",
    "load_manager.assignment_strategy",
    "load_manager.rebalancing.enabled",
    "meta_store.data_dir",
    "policies.max_producers_per_topic",
    "storage.mode",
    "storage.wal.rotation.max_bytes",
  ]);
});

test("mode none, an empty file and our require_client_cert extension", () => {
  assert.deepEqual(parseBrokerConfig("auth:\n  mode: none\n").options, { auth: { mode: "none" } });
  assert.deepEqual(parseBrokerConfig(""), { options: {}, unusedKeys: [] });
  const { options } = parseBrokerConfig("auth:\n  mode: tls\n  require_client_cert: true\n");
  assert.equal(options.auth?.requireClientCert, true);
  // Upstream's 0 (no limit) keeps the transport's own limit.
  assert.deepEqual(parseBrokerConfig("policies:\n  max_message_size: 0\n").options, {});
});

test("danube-ts keys: extensions.publish_stream/consume_stream and policies.max_routing_key_bytes", () => {
  const yaml =
    "extensions:\n  publish_stream: false\n  consume_stream: true\npolicies:\n  max_routing_key_bytes: 16\n";
  assert.deepEqual(parseBrokerConfig(yaml), {
    options: { extensions: { publishStream: false, consumeStream: true }, maxRoutingKeyBytes: 16 },
    unusedKeys: [],
  });
  // One switch given leaves the other at the broker's default.
  assert.deepEqual(parseBrokerConfig("extensions:\n  consume_stream: false\n").options, {
    extensions: { consumeStream: false },
  });
});

test("a key of the wrong type is an error naming the key", () => {
  const cases: Array<[string, RegExp]> = [
    [
      "broker:\n  ports:\n    client: abc\n",
      /f\.yml: broker\.ports\.client must be an integer from 0 to 65535, got "abc"/,
    ],
    ["broker:\n  ports:\n    admin: 70000\n", /broker\.ports\.admin must be an integer/],
    ["broker: 5\n", /f\.yml: broker must be a mapping, got 5/],
    ["bootstrap_namespaces: default\n", /bootstrap_namespaces must be a list of strings/],
    ["auto_create_topics: maybe\n", /auto_create_topics must be true or false, got "maybe"/],
    ["admin_tls: 1\n", /admin_tls must be true or false, got 1/],
    ["auth:\n  mode: kerberos\n", /auth\.mode must be "none" or "tls", got "kerberos"/],
    [
      "auth:\n  mode: tls\n  jwt:\n    expiration_time: -1\n",
      /auth\.jwt\.expiration_time must be an integer/,
    ],
    ["auth:\n  super_admins: admin\n", /auth\.super_admins must be a list of strings/],
    ["dispatch:\n  max_unacked_messages: 0\n", /dispatch\.max_unacked_messages must be an integer from 1/],
    ["extensions:\n  publish_stream: off\n", /extensions\.publish_stream must be true or false, got "off"/],
    ["extensions:\n  consume_stream: 0\n", /extensions\.consume_stream must be true or false, got 0/],
    ["extensions: true\n", /extensions must be a mapping, got true/],
    ["policies:\n  max_routing_key_bytes: 0\n", /policies\.max_routing_key_bytes must be an integer from 1/],
    ["- a\n- b\n", /top level must be a mapping/],
    ["broker: [unclosed\n", /not valid YAML/],
  ];
  for (const [yaml, pattern] of cases) {
    assert.throws(
      () => parseBrokerConfig(yaml, "f.yml"),
      (e: unknown) => e instanceof BrokerError && pattern.test(e.message),
      yaml,
    );
  }
});

test("auto_create_topics: false refuses producers for unknown topics (NOT_FOUND); existing topics work", async (t) => {
  const { options } = parseBrokerConfig("auto_create_topics: false\n");
  const { broker } = await testBroker(t, options);
  const raw = rawClient(broker.url, broker.adminUrl);
  t.after(() => raw.close());
  await assert.rejects(raw.createProducer("/default/nope", "p"), (e: { code: number; details: string }) => {
    assert.equal(e.code, status.NOT_FOUND);
    assert.equal(e.details, "Unable to find the topic: /default/nope");
    return true;
  });
  const admin = createAdminClient({ adminUrl: broker.adminUrl });
  t.after(() => admin.close());
  await admin.createTopic({ name: "/default/yes", dispatchStrategy: DispatchStrategy.Reliable });
  assert.ok((await raw.createProducer("/default/yes", "p")) > 0n);
});
