// The danube-ts request and response headers beside upstream's wire messages, which stay unchanged:
// a broker announces what it does beyond upstream; a client that does not see an announcement
// speaks upstream's protocol.

/** Set to "1" on Subscribe's response headers by brokers that serve ConsumeStream/Consume. */
export const consumeStreamHeader = "x-danube-ts-consume-stream";
/** Set to "1" on CreateProducer's response headers by brokers that serve PublishStream/Publish. */
export const publishStreamHeader = "x-danube-ts-publish-stream";
/** On CreateProducer's response headers: the broker's SendMessage honours {@link afterHeader}. */
export const sequencingHeader = "x-danube-ts-sequencing";
/** SendMessage request header: the request id of the send this one follows, or `none`. */
export const afterHeader = "x-danube-ts-after";

/** Whether a response header's values announce an extension (the broker sets it to "1"). */
export function announced(values: readonly unknown[]): boolean {
  return values.some((value) => String(value) === "1");
}
