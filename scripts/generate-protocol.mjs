// Regenerates packages/protocol/src/gen from proto/ with buf + ts-proto.
// Usage: node scripts/generate-protocol.mjs [outputRoot]
// With an outputRoot the code is written below that folder instead (used by the staleness test).
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = ["--no-install", "buf", "generate"];
if (process.argv[2]) args.push("-o", resolve(process.argv[2]));
execFileSync("npx", args, { cwd: root, stdio: "inherit" });
