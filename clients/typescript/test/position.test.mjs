// A drop before the first message: the gateway confirms each subscription with a `position`
// (the channel's newest id when subscribing), and the client resumes after it. Two gateways
// share a Redis; the subscriber's gateway stops once the position is in and before any
// message, messages are published through the other meanwhile, and a new gateway starts on
// the same port: the client gets every one of them, in order, once.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { WebSocket } from "ws";

import { subscribe } from "../dist/index.js";
import { KEY, REDIS_URL, Reader, freePort, isStatus, mint, publish, startGateway, uniqueChannel } from "./helpers.mjs";

const gateways = [];
after(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
});

async function start(prefix, port) {
  const gateway = await startGateway(["--signing-key", KEY, "--redis", REDIS_URL, "--redis-prefix", prefix], port);
  gateways.push(gateway);
  return gateway;
}

/** Waits until `check()` holds, polling; fails after `ms`. */
async function until(check, what, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const transport of ["websocket", "sse"]) {
  test(`a drop before the first message over ${transport} loses nothing`, { timeout: 90_000 }, async () => {
    const prefix = `tsposition:${randomUUID()}:`;
    const port = await freePort();
    const first = await start(prefix, port);
    const other = await start(prefix);
    const channel = uniqueChannel();
    const older = await publish(other, channel, "status", { n: -1 });
    const sub = subscribe({
      url: first.url,
      transport,
      WebSocket,
      channel,
      topics: ["status"],
      token: () => mint(other, channel, ["status"]),
      backoff: { initialMs: 20, maxMs: 300 },
    });
    const reader = new Reader(sub);
    await reader.until(isStatus("open"));
    await until(() => sub.lastId !== undefined, "the position");
    assert.equal(sub.lastId, older, "the channel's newest id when subscribing");

    await first.stop();
    await reader.until(isStatus("reconnecting"));
    const sent = [];
    for (let n = 0; n < 5; n++) sent.push(await publish(other, channel, "status", { n }));
    await start(prefix, port);
    const received = await reader.data(5, 30_000);
    assert.deepEqual(received.map((m) => m.id), sent, "every missed message, in order, once");
    const live = await publish(other, channel, "status", { n: 5 });
    const [next] = await reader.data(1);
    assert.equal(next.id, live, "no duplicate at the seam");
    assert.equal(sub.connections, 2);
    sub.close();
    await reader.drain();
    assert.equal(reader.seen.filter((i) => i.kind === "data").length, 6);
  });
}
