// The client against a real gateway (in memory): typed messages over WebSocket and SSE,
// topic filtering, token functions, refused tokens, continuity_lost, data streams,
// close, abort, the callback form and run lifecycle messages.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { WebSocket } from "ws";

import { DataStreamError, subscribe } from "../dist/index.js";
import {
  KEY,
  Reader,
  craftToken,
  isStatus,
  mint,
  publish,
  publishStream,
  startGateway,
  uniqueChannel,
} from "./helpers.mjs";

let gateway;
let short; // a gateway whose channels keep 5 messages of history

before(async () => {
  [gateway, short] = await Promise.all([
    startGateway(["--signing-key", KEY]),
    startGateway(["--signing-key", KEY, "--history-len", "5"]),
  ]);
});

after(async () => {
  await Promise.all([gateway?.stop(), short?.stop()]);
});

const backoff = { initialMs: 20, maxMs: 200 };

for (const transport of ["websocket", "sse"]) {
  describe(`over ${transport}`, () => {
    const open = (options) => subscribe({ url: gateway.url, transport, WebSocket, backoff, ...options });

    test("typed messages, with every envelope field, of the chosen topics only", { timeout: 30_000 }, async () => {
      const channel = uniqueChannel();
      const sub = open({ channel, topics: ["status"], token: await mint(gateway, channel, ["status", "logs"]) });
      const reader = new Reader(sub);
      assert.deepEqual(await reader.next(), { kind: "status", status: "connecting" });
      assert.deepEqual(await reader.next(), { kind: "status", status: "open" });
      const first = await publish(gateway, channel, "status", { message: "one", percent: 10 }, { run_id: "r1", fn_id: "f1" });
      await publish(gateway, channel, "logs", { line: "not for this subscriber" });
      const third = await publish(gateway, channel, "status", { message: "two", percent: 20 });
      const [a, b] = await reader.data(2);
      assert.deepEqual(Object.keys(a).sort(), ["channel", "created_at", "data", "fn_id", "id", "kind", "run_id", "topic"]);
      assert.deepEqual(
        { ...a, created_at: undefined },
        { kind: "data", channel, topic: "status", data: { message: "one", percent: 10 }, id: first, run_id: "r1", fn_id: "f1", created_at: undefined },
      );
      assert.ok(!Number.isNaN(Date.parse(a.created_at)));
      assert.equal(b.id, third);
      assert.deepEqual(b.data, { message: "two", percent: 20 });
      assert.ok(!("run_id" in b) && !("fn_id" in b));
      assert.equal(sub.lastId, third);
      assert.equal(sub.connections, 1);
      assert.equal(sub.status, "open");
      // Nothing of `logs` came through.
      assert.ok(reader.seen.every((i) => i.kind !== "data" || i.topic === "status"));
      sub.close();
      assert.deepEqual(await reader.next(), { kind: "status", status: "closed" });
      assert.equal(await reader.next(), undefined);
      await sub.closed;
    });

    test("the token function is asked before each connection; an expired token is replaced", { timeout: 30_000 }, async () => {
      const channel = uniqueChannel();
      const given = [];
      const token = async () => {
        const jwt = given.length === 0 ? craftToken(channel, ["status"], { exp: -60 }) : await mint(gateway, channel, ["status"]);
        given.push(jwt);
        return jwt;
      };
      const sub = open({ channel, topics: ["status"], token });
      const reader = new Reader(sub);
      const refused = await reader.until((i) => i.kind === "error");
      assert.deepEqual(
        { ...refused, message: undefined },
        { kind: "error", source: "connect", code: "token_expired", status: 401, message: undefined },
      );
      const retry = await reader.next();
      assert.equal(retry.kind, "status");
      assert.equal(retry.status, "reconnecting");
      assert.equal(retry.attempt, 1);
      assert.ok(retry.delayMs >= 0 && retry.delayMs <= backoff.initialMs);
      await reader.until(isStatus("open"));
      assert.equal(given.length, 2);
      assert.notEqual(given[0], given[1]);
      const id = await publish(gateway, channel, "status", { message: "after refresh" });
      assert.equal((await reader.until((i) => i.kind === "data")).id, id);
      sub.close();
      await reader.drain();
    });

    test("a refused token (bad signature) is a typed error item and the subscription goes on trying", { timeout: 30_000 }, async () => {
      const channel = uniqueChannel();
      const sub = open({ channel, topics: ["status"], token: craftToken(channel, ["status"], { key: "not-the-key" }) });
      const reader = new Reader(sub);
      const first = await reader.until((i) => i.kind === "error");
      assert.equal(first.source, "connect");
      assert.equal(first.code, "token_bad_signature");
      assert.equal(first.status, 401);
      assert.equal(typeof first.message, "string");
      await reader.until(isStatus("reconnecting"));
      const second = await reader.until((i) => i.kind === "error");
      assert.equal(second.code, "token_bad_signature");
      assert.equal(sub.connections, 0);
      sub.close();
      await reader.drain();
      assert.equal(reader.seen.at(-1).status, "closed");
    });

    test("continuity_lost when resuming from an id older than history, then what history holds", { timeout: 30_000 }, async () => {
      const channel = uniqueChannel();
      const ids = [];
      for (let i = 0; i < 10; i++) ids.push(await publish(short, channel, "status", { n: i }));
      const sub = subscribe({
        url: short.url, transport, WebSocket, backoff, channel, topics: ["status"], since: ids[0],
        token: await mint(short, channel, ["status"]),
      });
      const reader = new Reader(sub);
      const gap = await reader.until((i) => i.kind === "continuity_lost");
      assert.equal(gap.channel, channel);
      assert.equal(gap.cause, "history_expired");
      assert.equal(gap.last_seen, ids[0]);
      assert.ok(gap.missed === null || typeof gap.missed === "number");
      const rest = await reader.data(5);
      assert.deepEqual(rest.map((m) => m.id), ids.slice(5));
      assert.deepEqual(rest.map((m) => m.data.n), [5, 6, 7, 8, 9]);
      sub.close();
      await reader.drain();
    });

    test("a data stream is read as an async iterable while the subscription goes on", { timeout: 30_000 }, async () => {
      const channel = uniqueChannel("chat");
      const sub = open({ channel, topics: ["answer"], token: await mint(gateway, channel, ["answer"]) });
      const reader = new Reader(sub);
      await reader.until(isStatus("open"));
      const pieces = ["Streams ", "arrive ", "as ", "one ", "message, ", "héllo ✓."];
      const published = publishStream(gateway, channel, "answer", pieces);
      const item = await reader.until((i) => i.kind === "datastream");
      assert.equal(item.topic, "answer");
      assert.equal(item.channel, channel);
      assert.equal(item.partial, false);
      assert.equal(typeof item.stream_id, "string");
      assert.equal(item.stream.id, item.stream_id);
      let text = "";
      const chunks = new Reader(item.stream);
      for (let chunk = await chunks.next(); chunk !== undefined; chunk = await chunks.next()) text += chunk;
      assert.equal(text, pieces.join(""));
      assert.equal(item.stream.ended, true);
      const answer = await published;
      assert.equal(answer.stream_id, item.stream_id);
      assert.equal(answer.chunks, chunks.seen.length);
      // The subscription goes on after the stream.
      const id = await publish(gateway, channel, "answer", "a plain message");
      const next = await reader.until((i) => i.kind === "data");
      assert.equal(next.id, id);
      assert.equal(next.data, "a plain message");
      sub.close();
      await reader.drain();
    });

    test("close() ends the iterator and fails an open data stream with `closed`", { timeout: 30_000 }, async () => {
      const channel = uniqueChannel("chat");
      const sub = open({ channel, topics: ["answer"], token: await mint(gateway, channel, ["answer"]) });
      const reader = new Reader(sub);
      await reader.until(isStatus("open"));
      // A stream that is still open: its body waits until the test lets it finish.
      let finish;
      const held = new Promise((r) => (finish = r));
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("first"));
        },
        async pull(controller) {
          await held;
          controller.close();
        },
      });
      const published = fetch(`${gateway.url}/v1/realtime/publish?channel=${channel}&topic=answer`, {
        method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "text/stream" }, body, duplex: "half",
      });
      const item = await reader.until((i) => i.kind === "datastream");
      const chunks = new Reader(item.stream);
      assert.equal(await chunks.next(), "first");
      sub.close();
      await assert.rejects(chunks.next(), (e) => e instanceof DataStreamError && e.code === "closed");
      await reader.drain();
      assert.equal(sub.status, "closed");
      finish();
      assert.equal((await published).status, 200);
    });

    test("breaking out of for-await closes the subscription", { timeout: 30_000 }, async () => {
      const channel = uniqueChannel();
      const sub = open({ channel, topics: ["status"], token: await mint(gateway, channel, ["status"]) });
      for await (const item of sub) {
        if (item.kind === "status" && item.status === "open") break;
      }
      await sub.closed;
      assert.equal(sub.status, "closed");
    });

    test("an AbortSignal closes the subscription", { timeout: 30_000 }, async () => {
      const channel = uniqueChannel();
      const controller = new AbortController();
      const sub = open({ channel, topics: ["status"], token: await mint(gateway, channel, ["status"]), signal: controller.signal });
      const reader = new Reader(sub);
      await reader.until(isStatus("open"));
      controller.abort();
      await reader.drain();
      assert.deepEqual(reader.seen.at(-1), { kind: "status", status: "closed" });
      await sub.closed;
      // Already aborted: closed at once, never connected.
      const early = open({ channel, topics: ["status"], token: "unused", signal: AbortSignal.abort() });
      const items = [];
      for await (const item of early) items.push(item);
      assert.deepEqual(items, [{ kind: "status", status: "closed" }]);
    });

    test("the callback form gets every item", { timeout: 30_000 }, async () => {
      const channel = uniqueChannel();
      const items = [];
      let wake;
      const sub = open({
        channel, topics: ["status"], token: () => mint(gateway, channel, ["status"]),
        onItem: (item) => {
          items.push(item);
          wake?.();
        },
      });
      const waitFor = async (predicate) => {
        const deadline = Date.now() + 15_000;
        while (!items.some(predicate)) {
          assert.ok(Date.now() < deadline, `timed out; got ${JSON.stringify(items)}`);
          await new Promise((r) => {
            wake = r;
            setTimeout(r, 200);
          });
        }
      };
      await waitFor(isStatus("open"));
      const id = await publish(gateway, channel, "status", { message: "hi" });
      await waitFor((i) => i.kind === "data");
      assert.equal(items.find((i) => i.kind === "data").id, id);
      assert.throws(() => sub[Symbol.asyncIterator](), TypeError);
      sub.close();
      await sub.closed;
      assert.deepEqual(items.at(-1), { kind: "status", status: "closed" });
    });
  });
}

test("invalid options throw a TypeError at once", () => {
  const base = { url: "http://127.0.0.1:1", channel: "c:1", topics: ["t"], token: "x", WebSocket };
  assert.throws(() => subscribe({ ...base, topics: [] }), TypeError);
  assert.throws(() => subscribe({ ...base, url: "ftp://x" }), TypeError);
  if (globalThis.WebSocket === undefined) assert.throws(() => subscribe({ ...base, WebSocket: undefined }), TypeError);
  assert.throws(() => subscribe({ ...base, transport: "carrier-pigeon" }), TypeError);
});
