// Run lifecycle messages and a data stream from a real job: the gateway's demo pipeline
// (`serve --demo`) publishes `started`, its log and status steps, a streamed summary,
// then `completed` with the summary's word count.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { WebSocket } from "ws";

import { subscribe } from "../dist/index.js";
import { KEY, Reader, isStatus, startGateway } from "./helpers.mjs";

let gateway;
before(async () => {
  gateway = await startGateway(["--signing-key", KEY, "--demo"]);
});
after(async () => {
  await gateway?.stop();
});

for (const transport of ["websocket", "sse"]) {
  test(`a run's lifecycle, data and streamed summary over ${transport}`, { timeout: 60_000 }, async () => {
    const created = await fetch(`${gateway.url}/demo/runs`, { method: "POST" });
    assert.equal(created.status, 201);
    const run = await created.json();
    const sub = subscribe({ url: gateway.url, transport, WebSocket, channel: run.channel, topics: run.topics, token: run.token });
    const reader = new Reader(sub);
    await reader.until(isStatus("open"));
    assert.equal((await fetch(`${gateway.url}/demo/runs/${run.run_id}/start`, { method: "POST" })).status, 202);

    const started = await reader.until((i) => i.kind === "run", 30_000);
    assert.equal(started.topic, "run");
    assert.equal(started.data.status, "started");
    assert.equal(started.run_id, run.run_id);
    let summary = "";
    let completed;
    while (!completed) {
      const item = await reader.next(30_000);
      assert.ok(item, "the subscription ended early");
      if (item.kind === "datastream") {
        assert.equal(item.topic, "summary");
        // Read the stream to its end while the subscription goes on receiving.
        for await (const chunk of item.stream) summary += chunk;
      } else if (item.kind === "run" && item.data.status === "completed") {
        completed = item;
      } else {
        assert.ok(["data", "run", "status"].includes(item.kind), JSON.stringify(item));
      }
    }
    assert.ok(reader.seen.some((i) => i.kind === "data"));
    assert.ok(reader.seen.filter((i) => i.kind === "data").every((i) => i.run_id === run.run_id && run.topics.includes(i.topic)));
    assert.ok(summary.length > 0);
    assert.equal(completed.data.output.summary_words, summary.split(/\s+/).filter(Boolean).length);
    sub.close();
    await reader.drain();
  });
}
