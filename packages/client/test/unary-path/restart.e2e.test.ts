// ../restart.e2e.test.ts again, with clients on upstream's unary protocol (ReceiveMessages, Ack,
// Nack): recovery must be the same on both paths (the main file uses the consume stream).
process.env.DANUBE_TEST_TRANSPORT = "unary";
await import("../restart.e2e.test.ts");
