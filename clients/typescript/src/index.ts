/**
 * The TypeScript client of the realtime-rs gateway: typed subscriptions over WebSocket or
 * Server-Sent Events, with a fresh token for every connection, reconnection with
 * exponential backoff and full jitter, and resume after the last message seen.
 *
 * ```ts
 * const sub = subscribe<PipelineTopics, "status">({ url, channel: "pipeline:abc", topics: ["status"], token });
 * for await (const item of sub) {
 *   if (item.kind === "data") console.log(item.data.message);
 * }
 * ```
 */
import { SubscriptionImpl, type Subscription } from "./subscription.js";
import type { AnyTopics, SubscribeOptions, TopicMap, TopicName } from "./types.js";

/** Subscribes to `topics` of `channel` on the gateway at `url`. Returns at once; the
 * connection opens in the background, and everything that happens — messages, run
 * updates, data streams, lost continuity, connection changes, errors — arrives as items.
 *
 * Invalid options (no topics, no channel, a URL that is not http(s), no WebSocket or fetch
 * implementation) throw a `TypeError` here; nothing is thrown or rejected later. */
export function subscribe<Topics extends TopicMap = AnyTopics, T extends TopicName<Topics> = TopicName<Topics>>(
  options: SubscribeOptions<Topics, T>,
): Subscription<Topics, T> {
  return new SubscriptionImpl<Topics, T>(options);
}

export type { Subscription } from "./subscription.js";
export type * from "./types.js";
export { DataStreamError, type DataStream, type DataStreamErrorCode } from "./datastream.js";
export { SseParser, SseDecoder, type SseEvent } from "./sse-parser.js";
export { backoffCeiling, backoffDelay, DEFAULT_BACKOFF, type Backoff } from "./backoff.js";
