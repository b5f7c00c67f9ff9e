import { ServerCredentials } from "@grpc/grpc-js";
import type { ResolvedAuth } from "./options.ts";

/**
 * TLS server credentials from PEM material. With a CA, client certificates are requested (so a
 * broker's own client can prove itself for `x-danube-internal-broker`) and required only when
 * `requireClientCert` is set; grpc-js's createSsl cannot request without requiring.
 */
class TlsCredentials extends ServerCredentials {
  constructor(
    private readonly key: Buffer,
    private readonly cert: Buffer,
    private readonly ca: Buffer | undefined,
    private readonly requireClientCert: boolean,
  ) {
    super(
      { requestCert: ca !== undefined, rejectUnauthorized: ca !== undefined && requireClientCert },
      { key, cert, ...(ca ? { ca } : {}) },
    );
  }

  override _equals(other: ServerCredentials): boolean {
    return (
      other instanceof TlsCredentials &&
      other.key.equals(this.key) &&
      other.cert.equals(this.cert) &&
      (other.ca === this.ca ||
        (other.ca !== undefined && this.ca !== undefined && other.ca.equals(this.ca))) &&
      other.requireClientCert === this.requireClientCert
    );
  }
}

/** Credentials of a listener: TLS when `secure` (client port in mode tls, admin port with adminTls). */
export function serverCredentials(auth: ResolvedAuth, secure: boolean, requireClientCert: boolean) {
  if (auth.mode !== "tls" || !secure) return ServerCredentials.createInsecure();
  return new TlsCredentials(auth.tls.key, auth.tls.cert, auth.tls.ca, requireClientCert);
}
