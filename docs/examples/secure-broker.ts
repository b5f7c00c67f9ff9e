// A standalone broker in auth mode "tls", embedded in a Node.js program (docs/security.md).
import { join } from "node:path";
import { type RunningBroker, startBroker } from "@danube-ts/broker";

export async function startSecureBroker(
  certDir: string,
  dataDir: string,
  port = 6650,
  adminPort = 50051,
): Promise<RunningBroker> {
  return startBroker({
    dataDir,
    port,
    adminPort,
    adminTls: true, // TLS on the admin listener too
    auth: {
      mode: "tls",
      tls: {
        certFile: join(certDir, "server-cert.pem"),
        keyFile: join(certDir, "server-key.pem"),
        caFile: join(certDir, "ca-cert.pem"), // needed for requireClientCert
      },
      requireClientCert: false, // true: mutual TLS on the client listener
      jwt: { secret: process.env.DANUBE_JWT_SECRET_KEY ?? "change-me", issuer: "danube-auth" },
      superAdmins: ["admin"],
    },
  });
}
