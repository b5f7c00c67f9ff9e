// Worker thread entry when running from the TypeScript sources (inside the repository only; a
// build runs the compiled thread.js): loads the worker through tsx, a devDependency of the repo,
// since workers do not inherit the parent's module hooks.
import { register } from "tsx/esm/api";

register();
await import("./thread.ts");
