import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { BrokerError, Status } from "./errors.ts";

const LOCK_FILE = "broker.lock";

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Claims a data dir for this process, so that two brokers never write the same logs. A lock left
 * by a process that no longer runs (a crash, kill -9) is taken over. Resolves with the release
 * function.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
      if (alive(owner) && owner !== process.pid) {
        throw new BrokerError(
          Status.FailedPrecondition,
          `data dir ${dataDir} is in use by another broker (pid ${owner}); stop it or use another --data-dir`,
        );
      }
      if (owner === process.pid) {
        throw new BrokerError(
          Status.FailedPrecondition,
          `data dir ${dataDir} is already open in this process`,
        );
      }
      await rm(path, { force: true }); // stale: its process is gone
    }
  }
  throw new BrokerError(Status.FailedPrecondition, `could not lock data dir ${dataDir}`);
}
