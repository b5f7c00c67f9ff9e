// grpc-js channel credentials for TLS that never send an IP address as SNI. grpc-js's own
// (credentials.createSsl) set the TLS ServerName to the dialled host, so a broker dialled by
// address (https://127.0.0.1:6650) got its IP as SNI, which RFC 6066 forbids and Node reports
// with warning DEP0123. Here the certificate is checked against the same name as grpc-js would
// (tls.serverName, else the dialled host), and SNI carries that name only when it is a host name.
import { type ConnectionOptions, connect, createSecureContext, type SecureContext } from "node:tls";
import { CallCredentials, ChannelCredentials, type ChannelOptions, experimental } from "@grpc/grpc-js";
import { type ResolvedTls, serverNameOptions } from "./security.ts";

/** The host grpc-js dials for `target`: the proxy's CONNECT target when there is one. */
function dialledHost(target: experimental.GrpcUri, options: ChannelOptions): string {
  const connectTarget: unknown = options["grpc.http_connect_target"];
  const path =
    typeof connectTarget === "string" ? connectTarget.replace(/^dns:(\/\/[^/]*\/)?/, "") : target.path;
  return experimental.splitHostPort(path)?.host ?? path;
}

/** As createSsl: the CA given, else Node's bundled roots; the client identity for mutual TLS. */
export function secureContextOf(tls: ResolvedTls): SecureContext {
  return createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key });
}

export class TlsCredentials extends ChannelCredentials {
  readonly #context: SecureContext;
  readonly #serverName: string | undefined;

  /** `context`: made from `tls` by {@link secureContextOf}. */
  constructor(tls: ResolvedTls, context: SecureContext = secureContextOf(tls)) {
    super();
    this.#context = context;
    this.#serverName = tls.serverName;
  }

  override _isSecure(): boolean {
    return true;
  }

  override _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  override _createSecureConnector(
    target: experimental.GrpcUri,
    options: ChannelOptions,
    callCredentials?: CallCredentials,
  ): experimental.SecureConnector {
    const connectOptions: ConnectionOptions = {
      secureContext: this.#context,
      ALPNProtocols: ["h2"],
      ...serverNameOptions(this.#serverName ?? dialledHost(target, options)),
    };
    const perCall = callCredentials ?? CallCredentials.createEmpty();
    return {
      connect: (socket) =>
        new Promise((resolve, reject) => {
          const tlsSocket = connect({ ...connectOptions, socket }, () => {
            if (!tlsSocket.authorized) {
              reject(tlsSocket.authorizationError);
              return;
            }
            resolve({ socket: tlsSocket, secure: true });
          });
          tlsSocket.on("error", reject);
        }),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => perCall,
      destroy: () => {},
    };
  }
}
