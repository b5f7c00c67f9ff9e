// Worker thread entry: loads the TypeScript worker through tsx (workers do not inherit the
// parent's module hooks), then serves vetting tasks.
import { register } from "tsx/esm/api";

register();
await import("./thread.ts");
