// The SSE parser against the HTML standard's event stream interpretation.
import { test } from "node:test";
import assert from "node:assert/strict";

import { SseDecoder, SseParser, backoffCeiling, backoffDelay } from "../dist/index.js";
import "./helpers.mjs";

const parse = (...chunks) => {
  const parser = new SseParser();
  return chunks.flatMap((c) => parser.push(c));
};

test("an event: data, event name, id", () => {
  assert.deepEqual(parse("id: 5-1\nevent: closing\ndata: {\"a\":1}\n\n"), [
    { event: "closing", data: '{"a":1}', lastEventId: "5-1" },
  ]);
  assert.deepEqual(parse("data: x\n\n"), [{ event: "message", data: "x", lastEventId: "" }]);
});

test("multi-line data is joined with LF; one leading space is dropped", () => {
  assert.deepEqual(parse("data: one\ndata:two\ndata:  three\n\n").map((e) => e.data), ["one\ntwo\n three"]);
  assert.deepEqual(parse("data\ndata\n\n").map((e) => e.data), ["\n"]);
  assert.deepEqual(parse("data:\n\n").map((e) => e.data), [""]);
});

test("comments, unknown fields and data-less events dispatch nothing", () => {
  assert.deepEqual(parse(": keepalive\n\n"), []);
  assert.deepEqual(parse("retry: 1000\n: connected\n\n"), []);
  assert.deepEqual(parse("event: x\n\ndata: y\n\n"), [{ event: "message", data: "y", lastEventId: "" }]);
  assert.deepEqual(parse("foo: bar\ndata: z\n\n").map((e) => e.data), ["z"]);
});

test("CRLF, CR and LF all end lines, mixed", () => {
  assert.deepEqual(parse("data: a\r\n\r\ndata: b\r\rdata: c\n\n").map((e) => e.data), ["a", "b", "c"]);
  assert.deepEqual(parse("data: a\r\ndata: b\r\n\r\n").map((e) => e.data), ["a\nb"]);
});

test("a CRLF split across chunks counts once", () => {
  assert.deepEqual(parse("data: a\r", "\ndata: b\r", "\n\r", "\n").map((e) => e.data), ["a\nb"]);
  // A lone CR then a blank line in the next chunk: two line ends, not one.
  assert.deepEqual(parse("data: a\r", "\r").map((e) => e.data), ["a"]);
});

test("events split anywhere give the same events", () => {
  const text = "id: 1-0\ndata: {\"x\": \"héllo\"}\n\n: ping\n\nevent: continuity_lost\ndata: {}\r\n\r\n";
  const whole = parse(text);
  assert.equal(whole.length, 2);
  for (let size = 1; size <= 7; size++) {
    const chunks = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
    assert.deepEqual(parse(...chunks), whole, `chunks of ${size}`);
  }
});

test("bytes split inside a UTF-8 character decode whole", () => {
  const bytes = new TextEncoder().encode("data: héllo ✓\n\n");
  const decoder = new SseDecoder();
  const events = [];
  for (const b of bytes) events.push(...decoder.push(new Uint8Array([b])));
  assert.deepEqual(events.map((e) => e.data), ["héllo ✓"]);
});

test("id: is remembered across events, reset by an empty id, ignored with NUL", () => {
  const events = parse("id: 7-0\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 8-0\n\nid: x\0y\ndata: d\n\n");
  assert.deepEqual(
    events.map((e) => [e.data, e.lastEventId]),
    [["a", "7-0"], ["b", "7-0"], ["c", ""], ["d", "8-0"]],
  );
});

test("retry: only when all digits; a leading BOM is skipped; field without colon", () => {
  const parser = new SseParser();
  parser.push("\uFEFFretry: 1500\n");
  assert.equal(parser.retry, 1500);
  parser.push("retry: 2x\n");
  assert.equal(parser.retry, 1500);
  assert.deepEqual(parser.push("data\n\n"), [{ event: "message", data: "", lastEventId: "" }]);
  // A BOM split from the rest, and only at the very start.
  assert.deepEqual(parse("\uFEFF", "data: a\n\n").map((e) => e.data), ["a"]);
  assert.deepEqual(parse("data: \uFEFFa\n\n").map((e) => e.data), ["\uFEFFa"]);
});

test("an event not ended by a blank line is never dispatched", () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push("data: a\ndata: b"), []);
  assert.ok(parser.buffered > 0);
  assert.deepEqual(parser.push("\n"), []);
});

test("backoff: full jitter between 0 and the doubling, capped ceiling", () => {
  const backoff = { initialMs: 100, maxMs: 1000 };
  assert.deepEqual([1, 2, 3, 4, 5, 30].map((n) => backoffCeiling(backoff, n)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffDelay(backoff, 3, () => 0), 0);
  assert.equal(backoffDelay(backoff, 3, () => 0.5), 200);
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(backoff, 4);
    assert.ok(d >= 0 && d <= 800);
  }
});
