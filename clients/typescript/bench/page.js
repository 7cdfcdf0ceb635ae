// The bench page: measures how fast a client in this browser turns WebSocket frames into
// messages. `window.bench.run(name, url, n)` subscribes with the named client to a server
// that sends `n` data frames as fast as it can, and resolves with the rate seen from the
// first message to the last. `window.bench.decode(frames)` times our decode function alone.
import { subscribe } from "typed-realtime-client";
import { fromWsText } from "../src/wire.ts";
import { subscribe as inngestSubscribe } from "inngest/realtime";

const clients = {
  // Our client, callback form (the path useRealtime uses).
  "realtime-rs": (url, channel, topics, onData) => {
    const sub = subscribe({ url, channel, topics, token: "bench", onItem: (item) => item.kind === "data" && onData() });
    return { close: () => sub.close() };
  },
  // The official inngest SDK's realtime subscribe, callback form.
  inngest: async (url, channel, topics, onData) => {
    const sub = await inngestSubscribe({ key: "bench", channel, topics, apiBaseUrl: url, onMessage: () => onData() });
    return { close: () => sub.close("bench done") };
  },
};

window.bench = {
  run(name, url, channel, n) {
    return new Promise((resolve, reject) => {
      let count = 0;
      let first = 0;
      let sub;
      const timer = setTimeout(() => reject(new Error(`${name}: ${count} of ${n} messages in 60 s`)), 60_000);
      const onData = () => {
        if (count === 0) first = performance.now();
        if (++count === n) {
          const ms = performance.now() - first;
          clearTimeout(timer);
          Promise.resolve(sub).then((s) => s.close());
          resolve({ n, ms, perSecond: ((n - 1) / ms) * 1000 });
        }
      };
      sub = Promise.resolve(clients[name](url, channel, ["bench"], onData)).catch(reject);
    });
  },
  decode(frames, rounds) {
    let ok = 0;
    const start = performance.now();
    for (let r = 0; r < rounds; r++) for (const f of frames) if (fromWsText(f).type === "envelope") ok++;
    const ms = performance.now() - start;
    return { n: ok, ms, perSecond: (ok / ms) * 1000 };
  },
};
window.benchReady = true;
