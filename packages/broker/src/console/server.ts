// The console's HTTP listener: the bundled page (ui/) and the JSON API under /api/ (docs/console.md).
import { readFile } from "node:fs/promises";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { BrokerError, invalidArgument, notFound, Status, type StatusCode } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { Permission, type Resource } from "../security/rbac.ts";
import type { Security } from "../security/security.ts";
import { admit, type Need } from "./access.ts";
import type { ConsoleFacade } from "./facade.ts";

export interface ConsoleEndpoint {
  /** `http://host:port` (or https) as bound. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface ConsoleServerOptions {
  host: string;
  port: number;
  facade: ConsoleFacade;
  security: Security;
  logger: Logger;
  /** PEM certificate and key: serve HTTPS (when the admin port uses TLS). */
  tls?: { cert: Buffer; key: Buffer } | undefined;
  /** Largest request body; test messages up to the broker's message size fit. */
  maxBodyBytes: number;
}

/** The bundled front end: read from src/console/ui/ (shipped in the package with src/). */
const UI_DIR = new URL("../../src/console/ui/", import.meta.url);
const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/dom.js": { file: "dom.js", type: "text/javascript; charset=utf-8" },
  "/charts.js": { file: "charts.js", type: "text/javascript; charset=utf-8" },
  "/messages.js": { file: "messages.js", type: "text/javascript; charset=utf-8" },
  "/pages.js": { file: "pages.js", type: "text/javascript; charset=utf-8" },
  "/topic-pages.js": { file: "topic-pages.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

const HTTP_STATUS: Partial<Record<StatusCode, number>> = {
  [Status.InvalidArgument]: 400,
  [Status.Unauthenticated]: 401,
  [Status.PermissionDenied]: 403,
  [Status.NotFound]: 404,
  [Status.AlreadyExists]: 409,
  [Status.FailedPrecondition]: 409,
  [Status.ResourceExhausted]: 429,
  [Status.Unavailable]: 503,
};

interface Request {
  method: string;
  query: URLSearchParams;
  body: unknown;
}

interface Route {
  need: (req: Request) => Need;
  run: (req: Request) => unknown;
}

const topicRes = (name: string): Resource => ({ kind: "Topic", name });
const cluster: Resource = { kind: "Cluster" };
const requiredParam = (req: Request, name: string): string => {
  const value = req.query.get(name);
  if (value === null || value === "") throw invalidArgument(`query parameter ${name} is required`);
  return value;
};
const field = (body: unknown, name: string): unknown =>
  body && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
const stringField = (body: unknown, name: string): string => {
  const value = field(body, name);
  if (typeof value !== "string" || value === "") throw invalidArgument(`${name} is required`);
  return value;
};
const offsetParam = (req: Request, name: string): bigint | undefined => {
  const value = req.query.get(name);
  if (value === null || value === "") return undefined;
  if (!/^\d{1,20}$/.test(value)) throw invalidArgument(`${name} must be an offset (a non-negative integer)`);
  return BigInt(value);
};
const intParam = (req: Request, name: string): number | undefined => {
  const value = req.query.get(name);
  if (value === null || value === "") return undefined;
  if (!/^\d{1,9}$/.test(value)) throw invalidArgument(`${name} must be a positive integer`);
  return Number(value);
};

/** Permissions follow the gRPC admin RPC each API call stands for (docs/console.md lists them). */
function routes(facade: ConsoleFacade): Record<string, Partial<Record<string, Route>>> {
  const listTopics: Need = [{ permission: Permission.ManageTopic, resource: cluster }];
  const onTopic = (permission: Permission) => (req: Request) => [
    { permission, resource: topicRes(req.query.get("name") ?? "") },
  ];
  return {
    "/api/overview": {
      GET: { need: () => listTopics, run: () => facade.overview() },
    },
    "/api/topics": {
      GET: { need: () => listTopics, run: () => facade.topics() },
      POST: {
        need: (req) => [
          { permission: Permission.ManageTopic, resource: topicRes(String(field(req.body, "name") ?? "")) },
        ],
        run: async (req) => {
          const partitions = field(req.body, "partitions");
          if (partitions !== undefined && typeof partitions !== "number")
            throw invalidArgument("partitions must be a number");
          await facade.createTopic(
            stringField(req.body, "name"),
            String(field(req.body, "delivery") ?? "reliable"),
            partitions,
          );
          return { created: true };
        },
      },
      DELETE: {
        need: onTopic(Permission.ManageTopic),
        run: async (req) => {
          await facade.deleteTopic(requiredParam(req, "name"));
          return { deleted: true };
        },
      },
    },
    "/api/topic": {
      GET: { need: onTopic(Permission.ManageTopic), run: (req) => facade.topic(requiredParam(req, "name")) },
    },
    "/api/topic/sample": {
      GET: { need: onTopic(Permission.ManageTopic), run: (req) => facade.sample(requiredParam(req, "name")) },
    },
    "/api/topic/messages": {
      // Reading payloads is consuming in all but the cursor: Consume besides ManageTopic.
      GET: {
        need: (req) => [...onTopic(Permission.ManageTopic)(req), ...onTopic(Permission.Consume)(req)],
        run: (req) =>
          facade.messages.browse(
            requiredParam(req, "name"),
            offsetParam(req, "from"),
            intParam(req, "limit"),
          ),
      },
      POST: {
        need: (req) => [
          { permission: Permission.Produce, resource: topicRes(String(field(req.body, "name") ?? "")) },
        ],
        run: (req) => {
          const attributes = field(req.body, "attributes");
          if (
            attributes !== undefined &&
            (typeof attributes !== "object" ||
              attributes === null ||
              Object.values(attributes).some((v) => typeof v !== "string"))
          )
            throw invalidArgument("attributes must be an object of strings");
          const routingKey = field(req.body, "routingKey");
          const encoding = field(req.body, "encoding");
          return facade.messages.send(stringField(req.body, "name"), {
            payload: String(field(req.body, "payload") ?? ""),
            encoding: (encoding ?? "text") as "text",
            ...(attributes !== undefined && { attributes: attributes as Record<string, string> }),
            ...(typeof routingKey === "string" && routingKey !== "" && { routingKey }),
          });
        },
      },
    },
    "/api/dead-letters": {
      GET: { need: () => listTopics, run: () => facade.deadLetters() },
    },
    "/api/schemas": {
      GET: {
        need: () => [{ permission: Permission.ManageSchema, resource: cluster }],
        run: () => facade.schemas(),
      },
    },
    "/api/schema": {
      GET: {
        need: (req) => [
          {
            permission: Permission.ManageSchema,
            resource: { kind: "SchemaSubject", name: req.query.get("subject") ?? "" },
          },
        ],
        run: (req) => facade.schema(requiredParam(req, "subject")),
      },
    },
    "/api/schema/diff": {
      GET: {
        need: (req) => [
          {
            permission: Permission.ManageSchema,
            resource: { kind: "SchemaSubject", name: req.query.get("subject") ?? "" },
          },
        ],
        run: (req) =>
          facade.schemaDiff(
            requiredParam(req, "subject"),
            intParam(req, "from") ?? 0,
            intParam(req, "to") ?? 0,
          ),
      },
    },
  };
}

/** The host of an Origin header; undefined for `null` or anything unparsable (then refused). */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

const json = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": type, ...SECURITY_HEADERS, ...extra });
  res.end(body);
}

async function readBody(req: IncomingMessage, max: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new BrokerError(Status.ResourceExhausted, `request body over ${max} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw invalidArgument("request body is not JSON");
  }
}

/** Starts the console listener; a port that cannot be bound rejects with a message naming it. */
export async function serveConsole(options: ConsoleServerOptions): Promise<ConsoleEndpoint> {
  const { facade, security, logger } = options;
  const table = routes(facade);
  const assets = new Map<string, Buffer>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://console.invalid");
    const method = req.method ?? "GET";
    const asset = ASSETS[url.pathname];
    if (asset) {
      if (method !== "GET" && method !== "HEAD")
        return send(res, 405, "", "text/plain", { allow: "GET, HEAD" });
      let body = assets.get(asset.file);
      if (!body) {
        body = await readFile(new URL(asset.file, UI_DIR));
        assets.set(asset.file, body);
      }
      res.writeHead(200, { "content-type": asset.type, ...SECURITY_HEADERS });
      res.end(method === "HEAD" ? undefined : body);
      return;
    }
    const methods = table[url.pathname];
    const route = methods?.[method];
    if (!methods) throw notFound(`no such page or API: ${url.pathname}`);
    if (!route) {
      send(
        res,
        405,
        json({ error: `${method} not allowed`, code: "METHOD_NOT_ALLOWED" }),
        "application/json",
        {
          allow: Object.keys(methods).join(", "),
        },
      );
      return;
    }
    if (method !== "GET") {
      // A page on another site can only send such requests after a CORS preflight, which is refused.
      const type = req.headers["content-type"] ?? "";
      if (method === "POST" && !type.startsWith("application/json"))
        throw invalidArgument("requests with a body must be Content-Type: application/json");
      const origin = req.headers.origin;
      if (origin !== undefined && originHost(origin) !== req.headers.host)
        throw new BrokerError(Status.PermissionDenied, `cross-origin request from ${origin} refused`);
    }
    const request: Request = {
      method,
      query: url.searchParams,
      body: method === "POST" ? await readBody(req, options.maxBodyBytes) : undefined,
    };
    admit(security, req.headers.authorization, route.need(request));
    const result = await route.run(request);
    send(res, 200, json(result), "application/json");
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      const known = err instanceof BrokerError;
      const status = known ? (HTTP_STATUS[err.code] ?? 500) : 500;
      if (!known) logger.error("console request failed", err);
      const code = known
        ? (Object.entries(Status).find(([, v]) => v === err.code)?.[0] ?? "Unknown")
        : "Internal";
      const message = known ? err.message : "internal error (see the broker log)";
      if (res.headersSent) res.destroy();
      else
        send(res, status, json({ error: message, code }), "application/json", {
          ...(status === 401 && { "www-authenticate": 'Bearer realm="danube"' }),
        });
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : createHttpServer(listener);
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new BrokerError(
      Status.Unavailable,
      `cannot serve the web console on ${options.host}:${options.port}: ${reason}`,
      { cause: err },
    );
  }
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? "https" : "http"}://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
