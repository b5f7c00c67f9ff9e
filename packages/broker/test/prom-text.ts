/** A small reader of the Prometheus text exposition format, for tests. */
export interface Exposition {
  types: Map<string, string>;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Exposition["samples"] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("# TYPE ")) {
      const [name, type] = line.slice(7).split(" ");
      types.set(name!, type!);
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const m of (match[3] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[4]) });
  }
  return { types, samples };
}

/** Sum of the samples of `name` whose labels include `where`. */
export function sum(e: Exposition, name: string, where: Record<string, string> = {}): number {
  return e.samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

export async function scrape(url: string): Promise<Exposition> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (response.status !== 200) throw new Error(`scrape answered ${response.status}`);
  return parseExposition(await response.text());
}

/** Calls of the RPCs that tell which path a client took, from danube_broker_rpc_total. */
export function rpcCalls(e: Exposition) {
  const calls = (service: string, method: string) => sum(e, "danube_broker_rpc_total", { service, method });
  return {
    sendMessage: calls("producer", "send_message"),
    publish: calls("publish_stream", "publish"),
    receive: calls("consumer", "receive_messages"),
    consume: calls("consume_stream", "consume"),
    ack: calls("consumer", "ack"),
  };
}
