// ../subscriptions.e2e.test.ts again, with clients on upstream's unary protocol (ReceiveMessages, Ack, Nack):
// the delivery and recovery semantics must be the same on both paths (the main file uses the stream).
process.env.DANUBE_TEST_TRANSPORT = "unary";
await import("../subscriptions.e2e.test.ts");
