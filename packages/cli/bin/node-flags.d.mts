/** Flags for the broker process, unless DANUBE_NODE_FLAGS says otherwise. */
export declare const BROKER_NODE_FLAGS: readonly string[];
/** The flags to run the broker with: DANUBE_NODE_FLAGS (space-separated) when set, else the defaults. */
export declare function brokerNodeFlags(env?: NodeJS.ProcessEnv): string[];
/** Re-executes `danube broker` in place with the broker's flags when they are missing and Node can. */
export declare function reexecForBroker(options?: {
  argv?: readonly string[];
  execArgv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  execve?: ((file: string, args: string[], env: NodeJS.ProcessEnv) => never) | undefined;
  warn?: (message: string) => void;
}): void;
