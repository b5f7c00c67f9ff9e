#!/usr/bin/env node
// Entry point for the `danube` command. Runs the TypeScript sources through tsx,
// so the command works straight after `npm install` with no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
