// A gateway restart mid-run: two gateways share a Redis (and so channels and history);
// the subscriber's gateway stops, messages are published through the other while it is
// away, and a new gateway starts on the same port. The client reconnects by itself, with
// a fresh token, resumes after the last id it saw, and gets every message exactly once.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { WebSocket } from "ws";

import { compareIdsForTest } from "./ids.mjs";
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

for (const transport of ["websocket", "sse"]) {
  test(`a gateway restart over ${transport}: no loss, no duplicate, a fresh token`, { timeout: 90_000 }, async () => {
    const prefix = `tsclient:${randomUUID()}:`;
    const port = await freePort();
    const first = await start(prefix, port);
    const other = await start(prefix);
    const channel = uniqueChannel();
    let tokenCalls = 0;
    const token = async () => {
      tokenCalls++;
      return mint(other, channel, ["status"]);
    };
    const sub = subscribe({
      url: first.url, transport, WebSocket, channel, topics: ["status"], token, backoff: { initialMs: 20, maxMs: 300 },
    });
    const reader = new Reader(sub);
    await reader.until(isStatus("open"));
    const sent = [];
    const send = async (n) => sent.push(await publish(other, channel, "status", { n }));

    for (let n = 0; n < 5; n++) await send(n);
    await reader.data(5);
    await first.stop();
    const lost = await reader.until((i) => i.kind === "error" && i.source === "connection");
    assert.ok(["server_closing", "connection_lost"].includes(lost.code), lost.code);
    await reader.until(isStatus("reconnecting"));
    for (let n = 5; n < 10; n++) await send(n); // while the subscriber's gateway is away
    await start(prefix, port);
    await reader.until(isStatus("open"), 30_000);
    for (let n = 10; n < 15; n++) await send(n);
    const received = reader.seen.filter((i) => i.kind === "data");
    while (received.length < 15) received.push(await reader.until((i) => i.kind === "data", 30_000));

    assert.deepEqual(received.map((m) => m.data.n), [...Array(15).keys()]);
    assert.deepEqual(received.map((m) => m.id), sent);
    for (let i = 1; i < received.length; i++) assert.equal(compareIdsForTest(received[i - 1].id, received[i].id), -1);
    assert.equal(sub.connections, 2);
    assert.ok(tokenCalls >= 2, `the token function was called ${tokenCalls} times`);
    assert.equal(sub.lastId, sent.at(-1));
    sub.close();
    await reader.drain();
    // Nothing more arrived after the last message: no duplicate at the seam.
    assert.equal(reader.seen.filter((i) => i.kind === "data").length, 15);
  });
}
