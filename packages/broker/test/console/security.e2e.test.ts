import assert from "node:assert/strict";
import { request } from "node:https";
import { describe, test } from "node:test";
import { caller, secureBroker } from "../fixtures/secure-broker.ts";
import { createBinding, createRole } from "../security/requests.ts";

interface Reply {
  status: number;
  body: { error?: string; code?: string } & Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/** One HTTPS call trusting the test CA. */
function call(
  url: string,
  ca: Buffer,
  token?: string,
  init: { method?: string; json?: unknown } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = init.json === undefined ? undefined : JSON.stringify(init.json);
    const req = request(
      url,
      {
        ca,
        method: init.method ?? "GET",
        timeout: 10_000,
        headers: {
          ...(token !== undefined && { authorization: `Bearer ${token}` }),
          ...(body !== undefined && { "content-type": "application/json" }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: Reply["body"] = {};
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

describe("console with auth mode tls", { timeout: 60_000 }, () => {
  test("HTTPS with the admin certificate; tokens checked as on the admin port; RBAC per call", async (t) => {
    const sb = await secureBroker(t, { broker: { console: { port: 0 } } });
    const url = sb.broker.consoleUrl!;
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/, "adminTls on: the console is served over HTTPS");
    const ca = sb.certs.ca;
    // The page itself carries no data and loads without a token; the API refuses.
    assert.equal((await call(`${url}/`, ca)).status, 200);
    const anonymous = await call(`${url}/api/overview`, ca);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.code, "Unauthenticated");
    assert.equal(anonymous.body.error, "Authentication credentials are missing");
    assert.match(String(anonymous.headers["www-authenticate"]), /^Bearer/);
    assert.equal((await call(`${url}/api/overview`, ca, sb.token("admin", { secret: "wrong" }))).status, 401);
    assert.equal((await call(`${url}/api/overview`, ca, sb.token("admin", { exp: 1 }))).status, 401);

    const admin = sb.token("admin"); // a super admin
    const topic = "/default/secured";
    assert.equal(
      (
        await call(`${url}/api/topics`, ca, admin, {
          method: "POST",
          json: { name: topic, delivery: "reliable" },
        })
      ).status,
      200,
    );
    assert.equal((await call(`${url}/api/overview`, ca, admin)).status, 200);

    // bob: ManageTopic on the namespace only. Topic pages yes; the cluster-wide list, payloads and sends no.
    const bob = sb.token("bob");
    const denied = await call(`${url}/api/topic?name=${encodeURIComponent(topic)}`, ca, bob);
    assert.equal(denied.status, 403);
    assert.match(
      denied.body.error ?? "",
      /no binding grants ManageTopic on Topic\("\/default\/secured"\) for service_account:bob/,
    );
    const root = caller(sb, admin);
    await createRole(root, "topic-viewer", ["ManageTopic"]);
    await createBinding(root, "bob-view", "bob", ["topic-viewer"], "namespace", "default");
    assert.equal((await call(`${url}/api/topic?name=${encodeURIComponent(topic)}`, ca, bob)).status, 200);
    assert.equal(
      (await call(`${url}/api/topics`, ca, bob)).status,
      403,
      "listing every topic needs ManageTopic on the cluster",
    );
    assert.equal(
      (await call(`${url}/api/topic/messages?name=${encodeURIComponent(topic)}`, ca, bob)).status,
      403,
    );
    const send = await call(`${url}/api/topic/messages`, ca, bob, {
      method: "POST",
      json: { name: topic, payload: "x" },
    });
    assert.equal(send.status, 403);
    assert.match(send.body.error ?? "", /Produce/);
    assert.equal((await call(`${url}/api/schemas`, ca, bob)).status, 403);
    const del = await call(`${url}/api/topics?name=${encodeURIComponent(topic)}`, ca, bob, {
      method: "DELETE",
    });
    assert.equal(
      del.status,
      200,
      "ManageTopic on the namespace deletes its topics, as DeleteTopic on the admin port",
    );
  });

  test("a console port that cannot be bound stops the start with a clear error", async (t) => {
    const sb = await secureBroker(t, { broker: { console: { port: 0 } } });
    const taken = Number(new URL(sb.broker.consoleUrl!).port);
    await assert.rejects(secureBroker(t, { broker: { console: { port: taken } } }), (err: Error) => {
      assert.match(
        err.message,
        new RegExp(`cannot serve the web console on 127\\.0\\.0\\.1:${taken}: EADDRINUSE`),
      );
      return true;
    });
  });
});
