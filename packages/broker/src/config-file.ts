// Upstream danube-broker's YAML configuration (config/danube_broker.yml), read for the subset a
// standalone broker uses. One file serves both brokers: keys this broker does not use are
// accepted and listed in `unusedKeys`; a key of the wrong type is an error naming the key.
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { invalidArgument } from "./errors.ts";
import type { AuthOptions, BrokerOptions } from "./options.ts";

export interface BrokerConfigFile {
  /** Options from the file (no `dataDir`: it comes from the command line). */
  options: Omit<BrokerOptions, "dataDir">;
  /** Dotted paths of keys that are valid upstream but not used by this broker, sorted. */
  unusedKeys: string[];
}

type Obj = Record<string, unknown>;

class Reader {
  readonly used = new Set<string>();
  constructor(
    private readonly root: Obj,
    private readonly source: string,
  ) {}

  fail(key: string, expected: string, value: unknown): never {
    throw invalidArgument(
      `${this.source}: ${key} must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }

  private raw(key: string): unknown {
    let node: unknown = this.root;
    const parts = key.split(".");
    for (const [i, part] of parts.entries()) {
      if (node === undefined || node === null) return undefined;
      if (typeof node !== "object" || Array.isArray(node))
        this.fail(parts.slice(0, i).join("."), "a mapping", node);
      node = (node as Obj)[part];
    }
    return node === null ? undefined : node;
  }

  /** Marks `key` used and returns its value (undefined when absent or null). */
  private take(key: string): unknown {
    this.used.add(key);
    return this.raw(key);
  }

  string(key: string): string | undefined {
    const v = this.take(key);
    if (v !== undefined && typeof v !== "string") this.fail(key, "a string", v);
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.take(key);
    if (v !== undefined && typeof v !== "boolean") this.fail(key, "true or false", v);
    return v;
  }

  integer(key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      this.fail(key, `an integer from ${min} to ${max}`, v);
    }
    return v;
  }

  strings(key: string): string[] | undefined {
    const v = this.take(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) this.fail(key, "a list of strings", v);
    return v as string[];
  }

  /** Leaf keys present in the file and never read, as dotted paths. */
  unused(): string[] {
    const out: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (this.used.has(path)) return;
      if (node !== null && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length > 0) {
        for (const [k, v] of Object.entries(node as Obj)) walk(v, path ? `${path}.${k}` : k);
      } else if (path !== "") out.push(path);
    };
    walk(this.root, "");
    return out.sort();
  }
}

/** Parses upstream's broker YAML text; `source` names the file in error messages. */
export function parseBrokerConfig(text: string, source = "config file"): BrokerConfigFile {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw invalidArgument(`${source}: not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw invalidArgument(`${source}: the top level must be a mapping of keys`);
  }
  const r = new Reader(doc as Obj, source);
  const options: Omit<BrokerOptions, "dataDir"> = {};
  const host = r.string("broker.host");
  if (host !== undefined) {
    options.host = host;
    options.adminHost = host; // upstream binds every service on broker.host
  }
  const port = r.integer("broker.ports.client", 0, 65535);
  if (port !== undefined) options.port = port;
  const adminPort = r.integer("broker.ports.admin", 0, 65535);
  if (adminPort !== undefined) options.adminPort = adminPort;
  // Upstream serves its exporter on broker.host:ports.prometheus.
  const promPort = r.integer("broker.ports.prometheus", 0, 65535);
  if (promPort !== undefined) options.prometheus = { ...(host !== undefined && { host }), port: promPort };
  // danube-ts extension: the web console (docs/console.md), on broker.host like the other ports.
  const consolePort = r.integer("broker.ports.console", 0, 65535);
  if (consolePort !== undefined) options.console = { ...(host !== undefined && { host }), port: consolePort };
  const namespaces = r.strings("bootstrap_namespaces");
  if (namespaces !== undefined) options.namespaces = namespaces;
  const autoCreate = r.bool("auto_create_topics");
  if (autoCreate !== undefined) options.autoCreateTopics = autoCreate;
  const adminTls = r.bool("admin_tls");
  if (adminTls !== undefined) options.adminTls = adminTls;
  const maxUnacked = r.integer("dispatch.max_unacked_messages", 1, 10_000);
  if (maxUnacked !== undefined) options.maxUnackedMessages = maxUnacked;
  // Upstream: 0 means no limit; here the gRPC transport limit (the default) stays in force.
  const maxMessageSize = r.integer("policies.max_message_size", 0);
  if (maxMessageSize !== undefined && maxMessageSize > 0) options.maxMessageSize = maxMessageSize;
  // danube-ts extensions (upstream has neither key): the routing key bound (docs/status-codes.md)
  // and the streaming extensions (docs/streaming.md).
  const maxRoutingKeyBytes = r.integer("policies.max_routing_key_bytes", 1);
  if (maxRoutingKeyBytes !== undefined) options.maxRoutingKeyBytes = maxRoutingKeyBytes;
  const publishStream = r.bool("extensions.publish_stream");
  const consumeStream = r.bool("extensions.consume_stream");
  if (publishStream !== undefined || consumeStream !== undefined) {
    options.extensions = {
      ...(publishStream !== undefined && { publishStream }),
      ...(consumeStream !== undefined && { consumeStream }),
    };
  }

  const mode = r.string("auth.mode");
  if (mode !== undefined && mode !== "none" && mode !== "tls") r.fail("auth.mode", '"none" or "tls"', mode);
  const auth: AuthOptions = { mode: mode === "tls" ? "tls" : "none" };
  const certFile = r.string("auth.tls.cert_file");
  const keyFile = r.string("auth.tls.key_file");
  const caFile = r.string("auth.tls.ca_file");
  if (certFile !== undefined || keyFile !== undefined || caFile !== undefined) {
    auth.tls = { certFile, keyFile, caFile };
  }
  const requireClientCert = r.bool("auth.require_client_cert");
  if (requireClientCert !== undefined) auth.requireClientCert = requireClientCert;
  const secret = r.string("auth.jwt.secret_key");
  const issuer = r.string("auth.jwt.issuer");
  const expirationSecs = r.integer("auth.jwt.expiration_time", 1);
  if (secret !== undefined || issuer !== undefined || expirationSecs !== undefined) {
    auth.jwt = { secret: secret ?? "", issuer: issuer ?? "", expirationSecs };
  }
  const superAdmins = r.strings("auth.super_admins");
  if (superAdmins !== undefined) auth.superAdmins = superAdmins;
  if (mode !== undefined) options.auth = auth;
  return { options, unusedKeys: r.unused() };
}

/** Reads and parses a broker YAML file. */
export async function loadBrokerConfigFile(path: string): Promise<BrokerConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw invalidArgument(
      `cannot read config file ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return parseBrokerConfig(text, path);
}
