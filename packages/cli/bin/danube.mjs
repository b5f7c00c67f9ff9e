#!/usr/bin/env node
// Entry point of the `danube` command: plain JavaScript that loads the CLI through the package's
// own exports. Installed, that is the compiled dist/; inside the repository, with
// `--conditions=@danube-ts/source --import tsx` (as `npm test` and `npm run danube` set), the sources.
import { main } from "@danube-ts/cli";

process.exitCode = await main(process.argv.slice(2));
