// RBAC: default deny, roles and bindings through SecurityAdmin, scopes, revocation, persistence.
import assert from "node:assert/strict";
import { test } from "node:test";
import { admin, danube, schema } from "@danube-ts/protocol";
import { status } from "@grpc/grpc-js";
import { caller, codeOf, secureBroker } from "../fixtures/secure-broker.ts";
import { testBroker } from "../helpers.ts";
import {
  ack,
  createBinding,
  createNamespace,
  createProducer,
  createRole,
  deleteBinding,
  lookup,
  receiveOne,
  send,
  subscribe,
} from "./requests.ts";

const denied = async (promise: Promise<unknown>, details?: string) => {
  const r = await codeOf(promise);
  assert.equal(r.code, status.PERMISSION_DENIED, r.details);
  if (details !== undefined) assert.equal(r.details, details);
};

test("a principal bound to produce on one namespace produces there and nothing else; unbinding revokes", async (t) => {
  const sb = await secureBroker(t);
  const root = caller(sb, sb.token("admin"));
  const app = caller(sb, sb.token("app"));
  await createNamespace(root, "other");
  await createRole(root, "producer", ["Produce", "Lookup"]);
  await createBinding(root, "b1", "app", ["producer"], "namespace", "default");

  // Allowed: produce (auto-creating the topic) and look up in "default".
  const producer = await createProducer(app, "/default/orders");
  await send(app, "/default/orders", producer, "one");
  assert.equal((await lookup(app, "/default/orders")).connectUrl, sb.broker.url);

  // Nothing else.
  await denied(
    createProducer(app, "/other/orders"),
    'no binding grants Produce on Topic("/other/orders") for service_account:app',
  );
  await denied(
    subscribe(app, "/default/orders", "s"),
    'no binding grants Consume on Topic("/default/orders") for service_account:app',
  );
  await denied(app.admin(admin.BrokerAdminService.listNamespaces));
  await denied(
    app.admin(
      admin.TopicAdminService.deleteTopic,
      admin.TopicRequest.fromPartial({ name: "/default/orders" }),
    ),
  );
  await denied(app.client(schema.SchemaRegistryService.listSubjects));
  await denied(app.admin(admin.SecurityAdminService.listRoles));
  await denied(createRole(app, "mine", ["ManageCluster"]));
  // The same name as a user is another principal.
  await denied(createProducer(caller(sb, sb.token("app", { type: "user" })), "/default/orders", "u"));

  // Revoke: new producers and sends on the existing producer are refused at once.
  await deleteBinding(root, "b1", "namespace", "default");
  await denied(createProducer(app, "/default/orders", "p2"));
  await denied(send(app, "/default/orders", producer, "two"));
});

test("scopes: topic, cluster; a deleted role grants nothing; bindings survive a restart", async (t) => {
  const sb = await secureBroker(t);
  let root = caller(sb, sb.token("admin"));
  let app = caller(sb, sb.token("app"));
  await createRole(root, "consumer", ["Consume"]);
  await createRole(root, "writer", ["Produce"]);
  await createBinding(root, "t1", "app", ["consumer", "writer"], "topic", "/default/a");
  const producer = await createProducer(app, "/default/a");
  await send(app, "/default/a", producer, "m1");
  // Topic scope covers the exact topic only; Subscribe, ReceiveMessages and Ack all work with it
  // (upstream would need Consume on the cluster for the last two).
  const consumer = await subscribe(app, "/default/a", "s");
  await send(app, "/default/a", producer, "m2");
  const message = await receiveOne(app, consumer);
  assert.ok(message.msgId);
  await ack(app, message, "s");
  await denied(createProducer(app, "/default/b"));

  await sb.restart();
  root = caller(sb, sb.token("admin"));
  app = caller(sb, sb.token("app"));
  const again = await createProducer(app, "/default/a", "p-after-restart");
  await send(app, "/default/a", again, "m3");

  // A binding whose role is deleted grants nothing.
  await root.admin(
    admin.SecurityAdminService.deleteRole,
    admin.DeleteRoleRequest.fromPartial({ name: "writer" }),
  );
  await denied(createProducer(app, "/default/a", "p3"));

  // Cluster scope covers every topic and the cluster itself.
  await createRole(root, "ops", ["ManageNamespace", "Produce"]);
  await createBinding(root, "c1", "ops-bot", ["ops"], "cluster");
  const ops = caller(sb, sb.token("ops-bot"));
  await createProducer(ops, "/default/anything");
  const list = await ops.admin<admin.NamespaceListResponse>(admin.BrokerAdminService.listNamespaces);
  assert.ok(list.namespaces.includes("default"));
});

test("super admins bypass RBAC everywhere", async (t) => {
  const sb = await secureBroker(t);
  const root = caller(sb, sb.token("admin", { type: "user" }));
  await createNamespace(root, "ns1");
  const producer = await createProducer(root, "/ns1/t");
  await send(root, "/ns1/t", producer);
  await subscribe(root, "/ns1/t", "s");
  await root.admin(
    admin.TopicAdminService.describeTopic,
    admin.DescribeTopicRequest.fromPartial({ name: "/ns1/t" }),
  );
  await root.client(schema.SchemaRegistryService.listSubjects);
  await root.admin(admin.SecurityAdminService.listAllBindings);
  // ClusterAdmin answers (UNIMPLEMENTED in standalone) only after authorization.
  const r = await codeOf(root.admin(admin.ClusterAdminService.clusterStatus));
  assert.equal(r.code, status.UNIMPLEMENTED);
  await denied(caller(sb, sb.token("nobody")).admin(admin.ClusterAdminService.clusterStatus));
});

test("SecurityAdmin validates and answers as upstream", async (t) => {
  const sb = await secureBroker(t);
  const root = caller(sb, sb.token("admin"));
  const code = async (p: Promise<unknown>) => codeOf(p);
  let r = await code(createRole(root, "bad", ["Produce", "Fly"]));
  assert.deepEqual([r.code, r.details], [status.INVALID_ARGUMENT, "unknown permission: Fly"]);
  r = await code(createRole(root, "", ["Produce"]));
  assert.deepEqual([r.code, r.details], [status.INVALID_ARGUMENT, "role name is required"]);
  r = await code(root.admin(admin.SecurityAdminService.createRole, admin.CreateRoleRequest.fromPartial({})));
  assert.deepEqual([r.code, r.details], [status.INVALID_ARGUMENT, "role is required"]);
  r = await code(createBinding(root, "b", "x", ["r"], "galaxy"));
  assert.deepEqual(
    [r.code, r.details],
    [status.INVALID_ARGUMENT, "invalid scope: galaxy (expected cluster, namespace, or topic)"],
  );
  r = await code(createBinding(root, "b", "x", [], "cluster"));
  assert.deepEqual([r.code, r.details], [status.INVALID_ARGUMENT, "at least one role_name is required"]);
  r = await code(createBinding(root, "", "x", ["r"], "cluster"));
  assert.deepEqual([r.code, r.details], [status.INVALID_ARGUMENT, "binding id is required"]);
  r = await code(createBinding(root, "b", "", ["r"], "cluster"));
  assert.deepEqual(
    [r.code, r.details],
    [status.INVALID_ARGUMENT, "principal_type and principal_name are required"],
  );

  await createRole(root, "reader", ["Consume", "Lookup"]);
  await createRole(root, "locked", ["ManageCluster"], true);
  const role = await root.admin<admin.GetRoleResponse>(
    admin.SecurityAdminService.getRole,
    admin.GetRoleRequest.fromPartial({ name: "reader" }),
  );
  assert.deepEqual(role.role, { name: "reader", permissions: ["Consume", "Lookup"], system: false });
  const roles = await root.admin<admin.ListRolesResponse>(admin.SecurityAdminService.listRoles);
  assert.deepEqual(
    roles.roles.map((x) => x.name),
    ["locked", "reader"],
  );
  r = await code(
    root.admin(
      admin.SecurityAdminService.deleteRole,
      admin.DeleteRoleRequest.fromPartial({ name: "locked" }),
    ),
  );
  assert.deepEqual([r.code, r.details], [status.FAILED_PRECONDITION, "cannot delete system role 'locked'"]);
  r = await code(
    root.admin(admin.SecurityAdminService.getRole, admin.GetRoleRequest.fromPartial({ name: "ghost" })),
  );
  assert.deepEqual([r.code, r.details], [status.NOT_FOUND, "role 'ghost' not found"]);

  await createBinding(root, "b1", "app", ["reader"], "topic", "/default/x");
  await createBinding(root, "b2", "app", ["reader"], "namespace", "default");
  // Creating the same id again replaces it (no duplicate).
  await createBinding(root, "b2", "app", ["reader", "locked"], "namespace", "default");
  const got = await root.admin<admin.GetBindingResponse>(
    admin.SecurityAdminService.getBinding,
    admin.GetBindingRequest.fromPartial({ bindingId: "b1", scope: "topic", resourceName: "/default/x" }),
  );
  assert.deepEqual(got.binding, {
    id: "b1",
    principalType: "service_account",
    principalName: "app",
    roleNames: ["reader"],
    scope: "topic",
    resourceName: "/default/x",
  });
  const ns = await root.admin<admin.ListBindingsResponse>(
    admin.SecurityAdminService.listBindings,
    admin.ListBindingsRequest.fromPartial({ scope: "namespace", resourceName: "default" }),
  );
  assert.deepEqual(
    ns.bindings.map((b) => [b.id, b.roleNames]),
    [["b2", ["reader", "locked"]]],
  );
  const all = await root.admin<admin.ListBindingsResponse>(admin.SecurityAdminService.listAllBindings);
  assert.deepEqual(all.bindings.map((b) => b.id).sort(), ["b1", "b2"]);
  r = await code(deleteBinding(root, "b1", "topic", "/default/other"));
  assert.deepEqual([r.code, r.details], [status.NOT_FOUND, "binding 'b1' not found"]);
  await deleteBinding(root, "b1", "topic", "/default/x");
  const after = await root.admin<admin.ListBindingsResponse>(admin.SecurityAdminService.listAllBindings);
  assert.deepEqual(
    after.bindings.map((b) => b.id),
    ["b2"],
  );
});

test("auth mode none: no credentials needed, SecurityAdmin stores roles that are never consulted", async (t) => {
  const { broker } = await testBroker(t);
  assert.match(broker.url, /^http:\/\//);
  const { credentials } = await import("@grpc/grpc-js");
  const { rawCall, bearer, hostPort } = await import("../fixtures/secure-broker.ts");
  const creds = credentials.createInsecure();
  await rawCall(
    hostPort(broker.adminUrl),
    creds,
    admin.SecurityAdminService.createRole,
    admin.CreateRoleRequest.fromPartial({ role: { name: "r", permissions: ["Produce"], system: false } }),
    bearer(undefined),
  );
  const roles = (await rawCall(
    hostPort(broker.adminUrl),
    creds,
    admin.SecurityAdminService.listRoles,
    undefined,
    bearer(undefined),
  )) as admin.ListRolesResponse;
  assert.deepEqual(
    roles.roles.map((x) => x.name),
    ["r"],
  );
  const health = (await rawCall(
    hostPort(broker.url),
    creds,
    danube.HealthCheckService.healthCheck,
    undefined,
    bearer(undefined),
  )) as danube.HealthCheckResponse;
  assert.equal(typeof health.status, "number");
});
