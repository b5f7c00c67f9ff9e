// CPU spent around one figure: the bench process (process.cpuUsage: the client side, plus any
// in-process broker) and the server process (from /proc), and the broker's unary RPC counts.
import { type RpcCounts, scrapeRpcCounts } from "./rpc-path.ts";

export interface ServerProbe {
  /** Server CPU time so far in µs, undefined when it cannot be read. */
  cpuMicros(): number | undefined;
  metricsUrl?: string | undefined;
}

export interface Metered {
  clientMicros: number;
  serverMicros: number | undefined;
  rpcBefore: RpcCounts | undefined;
  rpcAfter: RpcCounts | undefined;
}

export class Meter {
  readonly #server: ServerProbe;
  #client: NodeJS.CpuUsage | undefined;
  #serverStart: number | undefined;
  #rpcBefore: RpcCounts | undefined;
  result: Metered | undefined;

  constructor(server: ServerProbe) {
    this.#server = server;
  }

  /** Marks the start of the measured section. */
  async start(): Promise<void> {
    this.#rpcBefore = await scrapeRpcCounts(this.#server.metricsUrl);
    this.#serverStart = this.#server.cpuMicros();
    this.#client = process.cpuUsage();
  }

  /** Marks its end; the figures are in `result`. */
  async stop(): Promise<Metered> {
    const client = process.cpuUsage(this.#client);
    const serverEnd = this.#server.cpuMicros();
    const rpcAfter = await scrapeRpcCounts(this.#server.metricsUrl);
    this.result = {
      clientMicros: client.user + client.system,
      serverMicros:
        serverEnd === undefined || this.#serverStart === undefined
          ? undefined
          : serverEnd - this.#serverStart,
      rpcBefore: this.#rpcBefore,
      rpcAfter,
    };
    return this.result;
  }
}
