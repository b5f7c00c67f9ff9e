export { exitCodeFor } from "./error-exit.ts";
export { ExitCode, errorCodeExit } from "./exit-codes.ts";
export type { Io } from "./io.ts";
export { main } from "./main.ts";
