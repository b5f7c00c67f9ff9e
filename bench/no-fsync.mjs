// Preloaded (--import) only into the second broker of the bench's "nofsync" figures, never into
// a broker users run: every FileHandle's datasync() and sync() return at once, so that broker
// writes each batch to the page cache and answers without waiting for the disk. The rows it
// gives show what fdatasync adds to publish-to-receive latency; nothing else differs.
import { open } from "node:fs/promises";

const probe = await open(process.execPath, "r");
const FileHandle = Object.getPrototypeOf(probe);
await probe.close();
FileHandle.datasync = async function datasync() {};
FileHandle.sync = async function sync() {};
// bench/bench-broker.ts waits for this line: a row labelled "without fdatasync" never runs
// against a broker that did not load this file.
process.stderr.write("danube-bench: fdatasync off\n");
