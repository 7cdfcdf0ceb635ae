// Sessions against a real gateway minting 3-second tokens: over WebSocket the client
// refreshes its session in band on `session_expiring` (one connection, every message);
// over SSE the gateway ends each session with `closing` and the client reconnects with a
// fresh token, resuming after the last id (every message once, in order).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { WebSocket } from "ws";

import { subscribe } from "../dist/index.js";
import { KEY, Reader, isStatus, mint, publish, startGateway, uniqueChannel } from "./helpers.mjs";

let gateway;

before(async () => {
  gateway = await startGateway(["--signing-key", KEY, "--token-ttl-secs", "3"]);
});

after(async () => {
  await gateway?.stop();
});

for (const transport of ["websocket", "sse"]) {
  test(`3-second tokens over ${transport}: the client keeps its session going by itself`, { timeout: 60_000 }, async () => {
    const channel = uniqueChannel();
    let tokenCalls = 0;
    const token = async () => {
      tokenCalls++;
      return mint(gateway, channel, ["status"]);
    };
    const sub = subscribe({
      url: gateway.url, transport, WebSocket, channel, topics: ["status"], token, backoff: { initialMs: 20, maxMs: 200 },
    });
    const reader = new Reader(sub);
    await reader.until(isStatus("open"));
    const publisher = (async () => {
      for (let n = 0; n < 40; n++) {
        await publish(gateway, channel, "status", { n });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const received = await reader.data(40);
    await publisher;
    sub.close();

    assert.deepEqual(received.map((m) => m.data.n), [...Array(40).keys()], "every message once, in order");
    assert.ok(tokenCalls >= 3, `fresh tokens were asked for: ${tokenCalls}`);
    const errors = reader.seen.filter((i) => i.kind === "error");
    if (transport === "websocket") {
      assert.equal(sub.connections, 1, "refreshed in band: one connection through ~8 s of 3 s tokens");
      assert.deepEqual(errors, []);
    } else {
      assert.ok(sub.connections >= 3, `resumed after each session's end: ${sub.connections}`);
      assert.ok(errors.length >= 2 && errors.every((e) => e.code === "server_closing"), JSON.stringify(errors));
    }
  });
}
