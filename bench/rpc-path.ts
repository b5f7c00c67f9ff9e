// Which path a figure took, told from the broker's side: the Prometheus counter
// danube_broker_rpc_total counts every unary call per method, so a figure that moved N messages
// with about N SendMessage (or Ack) calls went over upstream's unary RPCs, and one that moved them
// with few calls went over a stream. Client-side options cannot say this: "auto" picks at runtime,
// and before the stream extension is merged the `transport` option is ignored.

export type Transport = "unary" | "stream";
export type RpcCounts = Map<string, number>;

/** Unary call counts per method (`send_message`, `ack`, ...) from the broker's metrics. */
export async function scrapeRpcCounts(metricsUrl: string | undefined): Promise<RpcCounts | undefined> {
  if (metricsUrl === undefined) return undefined;
  try {
    const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })).text();
    const counts: RpcCounts = new Map();
    for (const match of text.matchAll(/^danube_broker_rpc_total\{([^}]*)\} (\S+)$/gm)) {
      const method = /method="([^"]*)"/.exec(match[1]!)?.[1];
      if (method === undefined) continue;
      counts.set(method, (counts.get(method) ?? 0) + Number(match[2]));
    }
    return counts;
  } catch {
    return undefined;
  }
}

/**
 * The path `messages` took between two scrapes, judged by the unary calls of `method`
 * (send_message for publish, ack for consume); undefined when it cannot be told.
 */
export function detectPath(
  before: RpcCounts | undefined,
  after: RpcCounts | undefined,
  method: string,
  messages: number,
): Transport | undefined {
  if (before === undefined || after === undefined || messages === 0) return undefined;
  const calls = (after.get(method) ?? 0) - (before.get(method) ?? 0);
  return calls >= messages / 2 ? "unary" : "stream";
}

/** A row's path label: the detected path, else the requested option marked as not verified. */
export function pathLabel(requested: string, detected: Transport | undefined): string {
  if (detected === undefined) return `${requested} (requested; not detected)`;
  return detected === requested ? detected : `${detected} (asked ${requested})`;
}
