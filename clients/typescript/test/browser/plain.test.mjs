// The plain client (no React) in real headless Chromium, over WebSocket and over SSE: typed
// messages, a data stream read as it arrives, and a clean close; no console error, page
// error or unhandled rejection.
import { after, test } from "node:test";
import assert from "node:assert/strict";

import { KEY, mint, publish, publishStream, startGateway, uniqueChannel } from "../helpers.mjs";
import { bundle, openPage, servePage } from "./harness.mjs";

const cleanups = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

for (const transport of ["websocket", "sse"]) {
  test(`the plain client in Chromium over ${transport}`, { timeout: 60_000 }, async () => {
    const config = { transport };
    const server = await servePage(await bundle("plain.js"), config);
    cleanups.push(server.close);
    const gateway = await startGateway(["--signing-key", KEY, "--allowed-origin", server.origin]);
    cleanups.push(gateway.stop);
    const channel = uniqueChannel();
    Object.assign(config, { url: gateway.url, channel, token: await mint(gateway, channel, ["status", "tokens"]) });
    const opened = await openPage(server.url);
    cleanups.push(opened.close);
    const { page } = opened;
    await page.waitForFunction(() => window.__status === "open", null, { timeout: 20_000 });

    const ids = [];
    for (let n = 0; n < 5; n++) ids.push(await publish(gateway, channel, "status", { message: `step ${n}`, percent: n * 25 }));
    await publish(gateway, channel, "other", { ignored: true }).catch(() => {});
    const pieces = ["Hello", ", ", "browser", "!"];
    await publishStream(gateway, channel, "tokens", pieces);
    await page.waitForFunction(() => Object.values(window.__streams).some((s) => s.done), null, { timeout: 20_000 });

    const items = await page.evaluate(() => window.__items);
    const data = items.filter((i) => i.kind === "data");
    assert.deepEqual(data.map((i) => i.topic), Array(5).fill("status"));
    assert.deepEqual(data.map((i) => i.data.percent), [0, 25, 50, 75, 100]);
    assert.deepEqual(data.map((i) => i.id), ids);
    assert.ok(data.every((i) => i.channel === channel && !Number.isNaN(Date.parse(i.created_at))));
    const streams = items.filter((i) => i.kind === "datastream");
    assert.equal(streams.length, 1);
    assert.equal(streams[0].topic, "tokens");
    assert.equal(streams[0].partial, false);
    const stream = await page.evaluate((id) => window.__streams[id], streams[0].stream_id);
    assert.deepEqual(stream, { chunks: pieces, done: "finished" });
    assert.deepEqual(items.filter((i) => i.kind === "error"), []);
    assert.deepEqual(
      items.filter((i) => i.kind === "status").map((i) => i.status),
      ["connecting", "open"],
    );
    if (transport === "websocket") assert.equal(opened.websockets.length, 1);
    else assert.equal(opened.websockets.length, 0);

    await page.evaluate(() => window.__sub.close());
    await page.waitForFunction(() => window.__ended === true, null, { timeout: 5_000 });
    assert.equal(await page.evaluate(() => window.__items.at(-1).status), "closed");
    assert.deepEqual(await opened.problems(), []);
  });
}
