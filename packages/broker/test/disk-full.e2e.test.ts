// A real full disk: the data dir on a 4 MiB tmpfs the test mounts itself (needs root with
// CAP_SYS_ADMIN, as in CI; skipped with the reason where mounting is not permitted; the same logic
// is covered with injected ENOSPC in the storage unit tests).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, open, rm, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { test } from "node:test";
import { promisify } from "node:util";
import { schema } from "@danube-ts/protocol";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { type RunningBroker, startBroker } from "../src/index.ts";
import { rawClient } from "./raw-client.ts";
import { closeBeforeRemoval, removeAfterClosing } from "./temp-dir.ts";
import { sleep, until } from "./until.ts";

const run = promisify(execFile);

/** Refusals of `mount` that mean "not permitted here" (not root, or no CAP_SYS_ADMIN). */
const notPermitted = /permission denied|must be superuser|only root|not permitted|EPERM|EACCES/i;

/**
 * Mounts a 4 MiB tmpfs (unmounted after the test, once what closeBeforeRemoval registered has
 * closed); `{ skip }` with the reason when this machine does not permit it. Any other mount
 * failure fails the test, so a root CI run cannot quietly skip the real ENOSPC.
 */
async function smallDisk(t: TestContext): Promise<string | { skip: string }> {
  const dir = await mkdtemp(join(tmpdir(), "danube-disk-full-"));
  try {
    await run("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", dir]);
  } catch (err) {
    await rmdir(dir);
    const { message, stderr } = err as Error & { stderr?: string };
    const why = (stderr || message).trim().split("\n")[0];
    if (process.getuid?.() !== 0 || notPermitted.test(`${message}\n${stderr ?? ""}`)) {
      return { skip: `mounting a small tmpfs is not permitted here (${why})` };
    }
    throw new Error(`mount -t tmpfs failed as root: ${why}`, { cause: err });
  }
  removeAfterClosing(t, async () => {
    await run("umount", ["-l", dir]).catch(() => {});
    await rmdir(dir).catch(() => {});
  });
  return dir;
}

/** Fills the file system with a ballast file until ENOSPC; returns a function that frees it. */
async function fill(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, "ballast");
  const handle = await open(path, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await handle.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  }
  // Small writes may still fit in a partly used page: take those bytes too.
  try {
    for (;;) await handle.write(Buffer.alloc(512, 1));
  } catch {}
  await handle.close();
  return () => rm(path);
}

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => "OK" as const,
    (err: ServiceError) => err.code,
  );

test("a full disk: retryable statuses, no false acks, nothing visible that was not stored, recovery without restart", async (t) => {
  const disk = await smallDisk(t);
  if (typeof disk !== "string") {
    t.skip(disk.skip);
    return;
  }
  const dataDir = join(disk, "data");
  const options = { dataDir, port: 0, adminPort: 0, logLevel: "silent" as const };
  let broker: RunningBroker = await startBroker(options);
  closeBeforeRemoval(t, () => broker.close());
  let raw = rawClient(broker.url, broker.adminUrl);
  t.after(() => raw.close());
  const topic = "/default/disk-full";
  // A long subscription name makes every cursor write need a fresh page of the journal.
  const subName = `s-${"x".repeat(6000)}`;
  const producer = await raw.createProducer(topic, "p");
  const consumerId = await raw.subscribe(topic, subName, "c", 0 /* Exclusive */);
  const stream = raw.stream(consumerId);
  const big = "m".repeat(3000);
  for (let i = 0; i < 3; i++) await raw.send(topic, producer, `${i}-${big}`);
  await until("3 deliveries", () => stream.received.length === 3);

  const free = await fill(disk);

  // 1. Sends fail with UNAVAILABLE (retryable), never PERMISSION_DENIED, and are never acked.
  const codes: Array<number | "OK"> = [];
  for (let i = 0; i < 20 && !codes.includes(status.UNAVAILABLE); i++) {
    codes.push(await codeOf(raw.send(topic, producer, `full-${i}-${big}`)));
  }
  assert.ok(codes.includes(status.UNAVAILABLE), `a send on a full disk failed retryably: ${codes.join(",")}`);
  assert.ok(!codes.includes(status.PERMISSION_DENIED));
  const acceptedWhileFull = codes.filter((c) => c === "OK").length;

  // 2. Acks: once cursors cannot be written, acks are refused instead of answered OK.
  assert.equal(await codeOf(raw.ack(subName, stream.received[0]!)), "OK"); // the cursor write follows later
  await sleep(400);
  assert.equal(await codeOf(raw.ack(subName, stream.received[1]!)), status.UNAVAILABLE);

  // 3. A schema registration that cannot be stored is not visible afterwards.
  const registry = new schema.SchemaRegistryClient(
    broker.url.replace("http://", ""),
    credentials.createInsecure(),
  );
  t.after(() => registry.close());
  const register = () =>
    new Promise<unknown>((resolve, reject) =>
      registry.registerSchema(
        {
          subject: "full-subject",
          schemaType: "json_schema",
          schemaDefinition: new TextEncoder().encode(
            JSON.stringify({ type: "object", description: "d".repeat(8000) }),
          ),
          description: "",
          createdBy: "test",
          tags: [],
        },
        (err, res) => (err ? reject(err) : resolve(res)),
      ),
    );
  const latest = () =>
    new Promise<unknown>((resolve, reject) =>
      registry.getLatestSchema({ subject: "full-subject" }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  assert.equal(await codeOf(register()), status.UNAVAILABLE);
  assert.equal(await codeOf(latest()), status.NOT_FOUND, "the failed registration is not visible");

  // 4. Space returns: everything works again without a restart.
  await free();
  assert.equal(await codeOf(raw.send(topic, producer, `after-${big}`)), "OK");
  await until(
    "acks accepted again",
    async () => (await codeOf(raw.ack(subName, stream.received[1]!))) === "OK",
    5_000,
  );
  assert.equal(await codeOf(register()), "OK");

  // 5. After a restart: acknowledged progress was persisted (0 and 1 are not redelivered) and
  // every send that was answered OK is there.
  stream.cancel();
  raw.close();
  await broker.close();
  broker = await startBroker(options);
  raw = rawClient(broker.url, broker.adminUrl);
  const again = raw.stream(await raw.subscribe(topic, subName, "c", 0 /* Exclusive */));
  await until("redeliveries", () => again.received.length >= 2 + acceptedWhileFull);
  await sleep(200);
  const texts = again.texts().map((text) => text.split("-")[0]);
  assert.equal(texts[0], "2", `delivery resumes after the acknowledged messages: ${texts.join(",")}`);
  assert.equal(texts.at(-1), "after");
  assert.equal(texts.length, 2 + acceptedWhileFull);
  again.cancel();
});
