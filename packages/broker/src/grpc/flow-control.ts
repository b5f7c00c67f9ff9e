/**
 * HTTP/2 flow-control windows of the broker's gRPC servers, set deliberately.
 *
 * Node's HTTP/2 defaults are 64 KiB for the connection window and for each stream's initial
 * window. One client connection carries every call of a producer, so with more than about 60
 * 1 KiB sends in flight the connection window is the bottleneck: senders wait for WINDOW_UPDATE
 * frames that Node only sends as the server's reads catch up, and single sends stalled for seconds
 * (up to 18.6 s measured at 1,024 in flight; see docs/storage.md "Flow control"). The broker bounds
 * what it holds in memory itself (message size limit, send sequencing, byte budgets), so larger
 * windows buy throughput without giving a client more than those bounds allow.
 *
 * grpc-js exposes no server option for these windows (only its client has
 * `grpc-node.flow_control_window`), so they are applied to every HTTP/2 session as it starts.
 */
import type { Http2Server, Http2Session } from "node:http2";
import type { Server } from "@grpc/grpc-js";

/** Receive window of a whole connection (all its streams together). */
export const CONNECTION_WINDOW_BYTES = 8 * 1024 * 1024;
/** Initial receive window of each stream (one call). */
export const STREAM_WINDOW_BYTES = 4 * 1024 * 1024;

/** Applies the windows above to `session` (a new server-side HTTP/2 session). */
export function widenWindows(session: Http2Session): void {
  try {
    session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
    session.settings({ initialWindowSize: STREAM_WINDOW_BYTES });
  } catch {
    // The session is already closing: nothing to tune.
  }
}

/**
 * Makes every HTTP/2 server `server` has bound so far widen the windows of its new sessions.
 * Call after bindAsync resolved. Returns false when grpc-js's internals did not have the expected
 * shape (the windows then stay at Node's defaults; the flow-control test catches that).
 */
export function applyFlowControl(server: Server): boolean {
  const servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (!(servers instanceof Map)) return false;
  for (const http2Server of servers.keys()) http2Server.prependListener("session", widenWindows);
  return servers.size > 0;
}
