// The danube-ts consume stream's announcement (proto/danube_ts/consume.proto): a response header of
// upstream's ConsumerService.Subscribe, whose wire message stays unchanged.

/** Set to "1" on Subscribe's response headers by brokers that serve ConsumeStream/Consume. */
export const consumeStreamHeader = "x-danube-ts-consume-stream";
