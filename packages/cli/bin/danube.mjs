#!/usr/bin/env node
// Entry point of the `danube` command: plain JavaScript that loads the CLI through the package's
// own exports. Installed, that is the compiled dist/; inside the repository, with
// `--conditions=@danube-ts/source --import tsx` (as `npm test` and `npm run danube` set), the sources.
import { reexecForBroker } from "./node-flags.mjs";

// `danube broker` first replaces this process with one that has the broker's V8 flags (node-flags.mjs).
reexecForBroker();
let cli;
try {
  cli = await import("@danube-ts/cli");
} catch (error) {
  // Only in a repository checkout installed with --ignore-scripts: the prepare build did not run.
  if (error?.code === "ERR_MODULE_NOT_FOUND" && /[\\/]dist[\\/]/.test(String(error.message))) {
    console.error(`danube: compiled files are missing (${error.message}); run \`npm run build\``);
    process.exit(1);
  }
  throw error;
}
process.exitCode = await cli.main(process.argv.slice(2));
