import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../logger.ts";
import type { BrokerMetrics } from "./broker-metrics.ts";

export interface MetricsEndpoint {
  /** `host:port` as bound (the port is the real one when 0 was asked for). */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves the exposition text on `GET /metrics` (and `/`, as upstream's exporter answers any
 * path). Plain HTTP on the given address only; keep it on a private interface.
 */
export async function serveMetrics(
  metrics: BrokerMetrics,
  host: string,
  port: number,
  logger: Logger,
): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    metrics.text().then(
      (body) => {
        res.writeHead(200, { "content-type": metrics.contentType });
        res.end(req.method === "HEAD" ? undefined : body);
      },
      (err: unknown) => {
        logger.error("rendering metrics failed", err);
        res.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable\n");
      },
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    address: `${shown}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
