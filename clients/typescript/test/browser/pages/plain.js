// The plain client (no React) in the browser: subscribe, read items with `for await`, and
// record them (data streams read to their end) in `window.__items`.
import { subscribe } from "typed-realtime-client";

const { url, channel, token, transport } = window.config;
window.__items = [];
window.__streams = {};
window.__status = "connecting";

const sub = subscribe({ url, channel, topics: ["status", "tokens"], token, transport });
window.__sub = sub;

async function readStream(item) {
  const chunks = [];
  window.__streams[item.stream_id] = { chunks, done: false };
  try {
    for await (const chunk of item.stream) chunks.push(chunk);
    window.__streams[item.stream_id].done = "finished";
  } catch (error) {
    window.__streams[item.stream_id].done = error.code;
  }
}

(async () => {
  for await (const item of sub) {
    if (item.kind === "status") window.__status = item.status;
    if (item.kind === "datastream") {
      void readStream(item);
      window.__items.push({ kind: item.kind, topic: item.topic, stream_id: item.stream_id, partial: item.partial });
    } else {
      window.__items.push(item);
    }
  }
  window.__ended = true;
})();
