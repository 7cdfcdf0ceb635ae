// The session against a scripted fake WebSocket (no gateway): dedupe by id at the seam of
// a reconnection, the resume point in the URL, notices and malformed frames as items.
import { test } from "node:test";
import assert from "node:assert/strict";

import { subscribe } from "../dist/index.js";
import { Reader, isStatus } from "./helpers.mjs";

const env = (id, topic = "status", extra = {}) =>
  JSON.stringify({ id, channel: "p:1", topic, data: { id }, kind: "data", created_at: "2026-01-01T00:00:00Z", ...extra });

/** A WebSocket class whose n-th connection plays `scripts[n]`: frames, then a close. */
function fakeSockets(scripts) {
  const urls = [];
  class FakeSocket {
    constructor(url) {
      this.readyState = 0;
      this.onopen = this.onmessage = this.onerror = this.onclose = null;
      const script = scripts[urls.length] ?? { frames: [], stay: true };
      urls.push(url);
      setTimeout(() => {
        this.readyState = 1;
        this.onopen?.({});
        for (const frame of script.frames) this.onmessage?.({ data: frame });
        if (!script.stay) {
          this.readyState = 3;
          this.onclose?.({ code: 1006, reason: "" });
        }
      }, 1);
    }
    close() {
      this.readyState = 3;
    }
  }
  return { FakeSocket, urls };
}

test("duplicates at a reconnection's seam are dropped; the next connection resumes after the last id", { timeout: 15_000 }, async () => {
  const { FakeSocket, urls } = fakeSockets([
    { frames: [env("1-0"), env("2-0")] },
    { frames: [env("1-0"), env("2-0"), env("2-1"), env("3-0")], stay: true },
  ]);
  const sub = subscribe({ url: "http://gw.test/prefix/", channel: "p:1", topics: ["status"], token: "jwt", WebSocket: FakeSocket, backoff: { initialMs: 1, maxMs: 5 } });
  const reader = new Reader(sub);
  const data = await reader.data(4);
  assert.deepEqual(data.map((m) => m.id), ["1-0", "2-0", "2-1", "3-0"]);
  assert.equal(urls[0], "ws://gw.test/prefix/v1/realtime/connect?token=jwt");
  assert.equal(urls[1], "ws://gw.test/prefix/v1/realtime/connect?token=jwt&since=2-0");
  assert.deepEqual(
    reader.seen.filter((i) => i.kind !== "data").map((i) => i.status ?? i.code),
    ["connecting", "open", "connection_lost", "reconnecting", "open"],
  );
  sub.close();
  await reader.drain();
});

test("notices, foreign channels and topics, and malformed frames", { timeout: 15_000 }, async () => {
  const { FakeSocket } = fakeSockets([
    {
      frames: [
        env("1-0", "other"),
        JSON.stringify({ id: "1-1", channel: "p:2", topic: "status", data: 1, kind: "data", created_at: "" }),
        JSON.stringify({ kind: "error", channel: "p:1", topic: "status", data: { code: "schema_violation", error: "bad", id: "1-2" } }),
        JSON.stringify({ kind: "error", channel: "p:1", topic: "other", data: { code: "schema_violation", error: "not mine" } }),
        JSON.stringify({ kind: "sub", data: { ok: true } }),
        "not json",
        JSON.stringify({ kind: "continuity_lost", channel: "p:1", data: { cause: "lagged", last_seen: "1-0", missed: 3 } }),
        env("2-0", "run", { kind: "run", data: { status: "started" }, run_id: "r" }),
        JSON.stringify({ kind: "closing", data: { reason: "bye" } }),
      ],
    },
  ]);
  const sub = subscribe({ url: "https://gw.test", since: "0-5", channel: "p:1", topics: ["status"], token: () => "jwt", WebSocket: FakeSocket, backoff: { initialMs: 1000, maxMs: 1000 } });
  const reader = new Reader(sub);
  await reader.until(isStatus("reconnecting"));
  const items = reader.seen.filter((i) => i.kind !== "status");
  assert.deepEqual(items, [
    { kind: "error", source: "gateway", code: "schema_violation", message: "bad", topic: "status", id: "1-2" },
    { kind: "error", source: "decode", code: "malformed", message: items[1].message },
    { kind: "continuity_lost", channel: "p:1", cause: "lagged", last_seen: "1-0", missed: 3 },
    { kind: "run", topic: "run", data: { status: "started" }, id: "2-0", channel: "p:1", created_at: "2026-01-01T00:00:00Z", run_id: "r" },
    { kind: "error", source: "connection", code: "server_closing", message: "bye" },
  ]);
  assert.equal(sub.lastId, "2-0");
  sub.close();
  await reader.drain();
});

test("a stream's end is read from `stream_end` (its data is the stream id); an end without one finishes it", { timeout: 15_000 }, async () => {
  const frame = (id, kind, streamId, data, extra = {}) =>
    JSON.stringify({ id, channel: "p:1", topic: "status", kind, stream_id: streamId, data, created_at: "2026-01-01T00:00:00Z", ...extra });
  const { FakeSocket } = fakeSockets([
    {
      frames: [
        // Finished, as the gateway sends it.
        frame("1-0", "datastream-start", "s1", "s1"),
        frame("1-1", "chunk", "s1", "a"),
        frame("1-2", "datastream-end", "s1", "s1", { stream_end: { status: "finished", chunks: 1 } }),
        // Aborted, as the gateway sends it.
        frame("2-0", "datastream-start", "s2", "s2"),
        frame("2-1", "datastream-end", "s2", "s2", { stream_end: { status: "aborted", chunks: 0, error: "gone" } }),
        // As a reference server sends it: no `stream_id` on the start or end, no `stream_end`.
        JSON.stringify({ id: "3-0", channel: "p:1", topic: "status", kind: "datastream-start", data: "s3", created_at: "" }),
        frame("3-1", "chunk", "s3", "b"),
        JSON.stringify({ id: "3-2", channel: "p:1", topic: "status", kind: "datastream-end", data: "s3", created_at: "" }),
        // As the wire had it before: how it ended as the end's data.
        frame("4-0", "datastream-start", "s4", "s4"),
        frame("4-1", "datastream-end", "s4", { status: "aborted", chunks: 0, error: "old" }),
      ],
      stay: true,
    },
  ]);
  const sub = subscribe({ url: "http://gw.test", channel: "p:1", topics: ["status"], token: "jwt", WebSocket: FakeSocket });
  const reader = new Reader(sub);
  const outcomes = {};
  for (const id of ["s1", "s2", "s3", "s4"]) {
    const item = await reader.until((i) => i.kind === "datastream" && i.stream_id === id);
    const chunks = [];
    try {
      for await (const chunk of item.stream) chunks.push(chunk);
      outcomes[id] = { chunks, end: "finished" };
    } catch (err) {
      outcomes[id] = { chunks, end: `${err.code}: ${err.message}` };
    }
  }
  assert.deepEqual(outcomes, {
    s1: { chunks: ["a"], end: "finished" },
    s2: { chunks: [], end: "aborted: gone" },
    s3: { chunks: ["b"], end: "finished" },
    s4: { chunks: [], end: "aborted: old" },
  });
  assert.ok(!reader.seen.some((i) => i.kind === "error"), JSON.stringify(reader.seen.filter((i) => i.kind === "error")));
  sub.close();
  await reader.drain();
});
