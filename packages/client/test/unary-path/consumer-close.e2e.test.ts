// ../consumer-close.e2e.test.ts again, with clients on upstream's unary protocol (ReceiveMessages):
// a consumer closed right after subscribing must be detached on the broker on both paths.
process.env.DANUBE_TEST_TRANSPORT = "unary";
await import("../consumer-close.e2e.test.ts");
