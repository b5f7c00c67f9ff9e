/**
 * The data-dir lock: `broker.lock` holds `pid bootId startTime` of the broker that owns the dir.
 * A pid alone is not an identity (a crashed broker in a container restarts as PID 1 again), so a
 * lock counts as held only when its pid runs, on the same boot, with the same process start time
 * (field 22 of /proc/<pid>/stat). Where /proc is missing, the pid check alone decides.
 */
import { open, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BrokerError, Status } from "./errors.ts";

const LOCK_FILE = "broker.lock";
/** Data dirs locked by this process (resolved paths), so a second open in-process is told apart from PID reuse. */
const lockedHere = new Set<string>();

interface LockOwner {
  pid: number;
  bootId: string | undefined;
  startTime: string | undefined;
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, "utf8").then(
    (text) => text,
    () => undefined,
  );
}

const bootId = async () => (await readText("/proc/sys/kernel/random/boot_id"))?.trim() || undefined;

/** Field 22 (starttime, clock ticks since boot) of /proc/<pid>/stat; the command name may hold spaces. */
async function startTimeOf(pid: number): Promise<string | undefined> {
  const stat = await readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19];
}

function pidRuns(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function parseOwner(text: string): LockOwner {
  const [pid, boot, start] = text
    .trim()
    .split(/\s+/)
    .map((field) => (field === "-" ? "" : field));
  return { pid: Number.parseInt(pid ?? "", 10), bootId: boot || undefined, startTime: start || undefined };
}

/** Whether the process that wrote the lock still runs (not merely a process with the same pid). */
async function ownerRuns(owner: LockOwner): Promise<boolean> {
  if (!pidRuns(owner.pid)) return false;
  const [boot, start] = await Promise.all([bootId(), startTimeOf(owner.pid)]);
  if (owner.bootId !== undefined && boot !== undefined && owner.bootId !== boot) return false;
  if (owner.startTime !== undefined && start !== undefined && owner.startTime !== start) return false;
  // An old-format lock (pid only) naming this very process: a previous incarnation with our pid.
  if (owner.startTime === undefined && owner.pid === process.pid) return false;
  return true;
}

/**
 * Claims a data dir for this process, so that two brokers never write the same logs. A lock left
 * by a process that no longer runs (a crash, kill -9, a restarted container) is taken over.
 * Resolves with the release function.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, LOCK_FILE);
  const key = resolve(dataDir);
  if (lockedHere.has(key)) {
    throw new BrokerError(
      Status.FailedPrecondition,
      `data dir ${dataDir} is already open by a broker in this process; close that broker first or use another --data-dir`,
    );
  }
  const me = `${process.pid} ${(await bootId()) ?? "-"} ${(await startTimeOf(process.pid)) ?? "-"}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx");
      try {
        await handle.writeFile(me);
        await handle.sync();
      } finally {
        await handle.close();
      }
      lockedHere.add(key);
      return async () => {
        lockedHere.delete(key);
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const text = await readText(path);
      if (text === undefined) continue; // removed meanwhile
      const owner = parseOwner(text);
      if (await ownerRuns(owner)) {
        throw new BrokerError(
          Status.FailedPrecondition,
          `data dir ${dataDir} is in use by another broker (pid ${owner.pid}); stop that broker or use another --data-dir. ` +
            `If no broker uses it, delete ${path} and start again`,
        );
      }
      await rm(path, { force: true }); // stale: its process is gone (or the pid was reused)
    }
  }
  throw new BrokerError(
    Status.FailedPrecondition,
    `could not lock data dir ${dataDir}: ${path} keeps reappearing; is another broker starting on it?`,
  );
}
