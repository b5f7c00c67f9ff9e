// The raw grpc-js baseline's server: one trivial unary method (bytes in, 8 bytes out) at the path
// given as the first argument, run as a child process like the broker. Prints `listening <port>`
// and serves until SIGTERM.
import { Server, ServerCredentials, type ServiceDefinition } from "@grpc/grpc-js";

const path = process.argv[2];
if (path === undefined) throw new Error("usage: grpc-baseline-server.ts <method path>");
const identity = (b: Buffer) => b;
const definition: ServiceDefinition = {
  call: {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
const reply = Buffer.alloc(8);
const server = new Server();
server.addService(definition, {
  call: (_call: unknown, callback: (err: null, value: Buffer) => void) => callback(null, reply),
});
server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`listening ${port}\n`);
});
process.once("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
