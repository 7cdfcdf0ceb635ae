// The official `inngest` npm SDK (v4) against a real `realtime serve` on loopback, with a
// real signing key (not dev mode): it mints tokens, subscribes over WebSocket, publishes,
// and gets what the reference server would give it. Nothing in the SDK is patched or
// mocked; the only help is a `WebSocket` global on Node versions without one.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { format } from "node:util";
import { Inngest, realtime, staticSchema } from "inngest";
import { getSubscriptionToken, subscribe } from "inngest/realtime";
import { WebSocket as WsWebSocket } from "ws";

import { startGateway } from "./gateway.mjs";

// Node 20 has no global WebSocket (the SDK needs one); Node 22+ has undici's.
if (typeof globalThis.WebSocket === "undefined") globalThis.WebSocket = WsWebSocket;

// The SDK reads INNGEST_* variables (base URL, keys, fallback key, dev mode) and the
// gateway REALTIME_* ones (dev mode, fallback key...): only the settings below count here.
for (const name of Object.keys(process.env)) {
  if (name.startsWith("INNGEST_") || (name.startsWith("REALTIME_") && name !== "REALTIME_BIN")) {
    delete process.env[name];
  }
}

/** The longest any single wait lasts. */
const WAIT_MS = 10_000;
/** How long "nothing more arrives" is watched for. */
const QUIET_MS = 400;

const SIGNING_KEY = `signkey-test-${randomBytes(32).toString("hex")}`;
const WRONG_KEY = `signkey-test-${randomBytes(32).toString("hex")}`;

/** The key as the JS SDK presents it: the prefix kept, the hex part's bytes SHA-256'd. */
function hashedKey(key) {
  const prefix = key.match(/^signkey-\w+-/)[0];
  return prefix + createHash("sha256").update(Buffer.from(key.slice(prefix.length), "hex")).digest("hex");
}

/** A typed channel, declared as an SDK user would. */
const runChannel = realtime.channel({
  name: (runId) => `run:${runId}`,
  topics: {
    status: { schema: staticSchema() },
    log: { schema: staticSchema() },
  },
});

let gateway;
let inngest;
let unique = 0;
/** A channel of its own for each use, so tests cannot see each other's messages. */
const freshChannel = () => runChannel(`${process.pid}-${Date.now()}-${++unique}`);

before(async () => {
  gateway = await startGateway([], { REALTIME_SIGNING_KEY: SIGNING_KEY });
  inngest = new Inngest({ id: "test-app", baseUrl: gateway.url, signingKey: SIGNING_KEY, isDev: false });
});

after(async () => {
  await gateway?.stop();
});

/** Rejects with `what` if `promise` has not settled within `ms`. */
function within(promise, what, ms = WAIT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Messages of an async source, queued, read one at a time with a deadline. */
class Inbox {
  #items = [];
  #waiter = null;
  ended = false;

  push(item) {
    this.#items.push(item);
    this.#wake();
  }

  end() {
    this.ended = true;
    this.#wake();
  }

  #wake() {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  /** The next message; fails after `ms`, or if the source ends first. */
  async next(what, ms = WAIT_MS) {
    const deadline = Date.now() + ms;
    while (this.#items.length === 0) {
      if (this.ended) throw new Error(`the subscription ended while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.#items.shift();
  }

  /** Fails if anything arrives within `ms`. */
  async nothingMore(ms = QUIET_MS) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    assert.deepEqual(this.#items, [], "no further message should have arrived");
  }
}

/** Reads an SDK subscription stream into an Inbox. */
function inboxOf(stream) {
  const inbox = new Inbox();
  const reader = stream.getReader();
  (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        inbox.push(value);
      }
    } catch {
      // The stream errored: same as ended for the test.
    }
    inbox.end();
  })();
  return inbox;
}

/** An SDK subscription and its inbox; `close()` ends it. */
async function sdkSubscribe(options) {
  const stream = await within(subscribe(options), "the SDK to open its WebSocket");
  return { stream, inbox: inboxOf(stream), close: () => stream.close("test done") };
}

/** A raw WebSocket on the connect route, to see exactly which frames the gateway sends. Its
 * first frame, the subscription's `position` notice, is checked and kept as `position`; the
 * inbox gets what follows. */
async function rawSubscribe(jwt) {
  const url = new URL("/v1/realtime/connect", gateway.url);
  url.protocol = "ws:";
  url.searchParams.set("token", jwt);
  const ws = new WsWebSocket(url);
  const inbox = new Inbox();
  ws.on("message", (data, isBinary) => inbox.push(isBinary ? data : JSON.parse(data.toString())));
  ws.on("close", () => inbox.end());
  await within(
    new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`connect answered ${res.statusCode}`)));
    }),
    "the raw WebSocket to open",
  );
  const position = await inbox.next("the position notice");
  assert.equal(position.kind, "position", `the first frame: ${JSON.stringify(position)}`);
  assert.match(position.data.id, /^\d+-\d+$/);
  return { ws, inbox, position, close: () => ws.close(1000) };
}

/** A plain HTTP publish, as a backend without the SDK would send it. */
async function httpPublish({ channel, topic, data, runId, key = SIGNING_KEY }) {
  const url = new URL("/v1/realtime/publish", gateway.url);
  url.searchParams.set("channel", channel);
  url.searchParams.set("topic", topic);
  if (runId !== undefined) url.searchParams.set("run_id", runId);
  const res = await within(
    fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(data),
    }),
    "the publish request",
  );
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** The claims of a JWT, decoded without checking (the SDK never decodes it). */
function claimsOf(jwt) {
  const parts = jwt.split(".");
  assert.equal(parts.length, 3, `a JWT has three parts: ${jwt}`);
  return JSON.parse(Buffer.from(parts[1], "base64url").toString());
}

function assertRecent(date) {
  assert.ok(date instanceof Date, `createdAt should be a Date, got ${date}`);
  assert.ok(Math.abs(Date.now() - date.getTime()) < 60_000, `createdAt ${date.toISOString()} should be now`);
}

test("the SDK mints a token, presenting the hashed signing key, and gets 201 {jwt}", async () => {
  const seen = [];
  const recording = new Inngest({
    id: "test-app",
    baseUrl: gateway.url,
    signingKey: SIGNING_KEY,
    isDev: false,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      seen.push({ url: String(url), init, status: res.status });
      return res;
    },
  });
  const channel = freshChannel();
  const token = await within(
    getSubscriptionToken(recording, { channel, topics: ["status", "log"] }),
    "getSubscriptionToken",
  );

  assert.equal(seen.length, 1, "one token request, no fallback retry");
  const [request] = seen;
  assert.equal(request.url, `${gateway.url}/v1/realtime/token`);
  assert.equal(request.init.method, "POST");
  assert.equal(request.status, 201);
  const authorization = new Headers(request.init.headers).get("authorization");
  assert.equal(authorization, `Bearer ${hashedKey(SIGNING_KEY)}`, "the SDK sends the hashed key");
  assert.notEqual(authorization, `Bearer ${SIGNING_KEY}`);
  assert.deepEqual(JSON.parse(request.init.body), [
    { channel: channel.name, name: "status", kind: "run" },
    { channel: channel.name, name: "log", kind: "run" },
  ]);

  assert.equal(token.channel, channel);
  assert.deepEqual(token.topics, ["status", "log"]);
  assert.equal(token.apiBaseUrl, gateway.url);
  const claims = claimsOf(token.key);
  assert.equal(claims.channel, channel.name);
  assert.deepEqual(claims.topics.map((t) => t.name).sort(), ["log", "status"]);
  assert.equal(claims.publish, false);
  assert.ok(claims.exp > Date.now() / 1000, "the token has not expired");
});

test("the token route takes the key raw, SDK-hashed, and bare-hashed (Python)", async () => {
  const channel = freshChannel().name;
  const hashed = hashedKey(SIGNING_KEY);
  const forms = {
    raw: SIGNING_KEY,
    "js-hashed": hashed,
    "python-hashed": hashed.replace(/^signkey-\w+-/, ""),
    wrong: WRONG_KEY,
    "wrong-hashed": hashedKey(WRONG_KEY),
  };
  const statuses = {};
  for (const [form, key] of Object.entries(forms)) {
    const res = await within(
      fetch(`${gateway.url}/v1/realtime/token`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify([{ channel, name: "status", kind: "run" }]),
      }),
      `the token request with the ${form} key`,
    );
    const body = await res.json();
    statuses[form] = res.status;
    if (res.status === 201) assert.equal(claimsOf(body.jwt).channel, channel);
    else assert.equal(typeof body.error, "string", `an error body for the ${form} key`);
  }
  assert.deepEqual(statuses, { raw: 201, "js-hashed": 201, "python-hashed": 201, wrong: 401, "wrong-hashed": 401 });
});

test("an SDK subscription receives SDK publishes and plain HTTP publishes", async () => {
  const channel = freshChannel();
  const token = await within(getSubscriptionToken(inngest, { channel, topics: ["status", "log"] }), "token");
  const sub = await sdkSubscribe(token);
  try {
    // (a) The SDK's own publish, outside any function (so no run id).
    await within(inngest.realtime.publish(channel.status, { state: "running", percent: 10 }), "SDK publish");
    const first = await sub.inbox.next("the SDK-published status");
    assert.equal(first.kind, "data");
    assert.equal(first.channel, channel.name);
    assert.equal(first.topic, "status");
    assert.deepEqual(first.data, { state: "running", percent: 10 });
    assert.equal(first.runId, undefined);
    assertRecent(first.createdAt);

    // Other JSON values survive the trip unchanged.
    for (const data of [[1, "two", { three: 3 }], 42, true, { nested: { list: [] } }]) {
      await within(inngest.realtime.publish(channel.log, data), "SDK publish");
      const got = await sub.inbox.next(`the SDK-published ${JSON.stringify(data)}`);
      assert.equal(got.topic, "log");
      assert.deepEqual(got.data, data);
    }

    // A string the SDK sends raw (unquoted) arrives as that string, as on the reference server.
    await within(inngest.realtime.publish(channel.log, "a plain line of text"), "SDK string publish");
    const line = await sub.inbox.next("the SDK-published string");
    assert.equal(line.topic, "log");
    assert.equal(line.data, "a plain line of text");

    // (b) A plain HTTP publish with the signing key and a run id.
    const runId = "01JABCDEFGHJKMNPQRSTVWXYZ0";
    const published = await httpPublish({ channel: channel.name, topic: "log", data: { line: "hello" }, runId });
    assert.equal(published.status, 200);
    assert.equal(typeof published.body?.id, "string", "the publish answers {id}");
    const second = await sub.inbox.next("the HTTP-published log line");
    assert.equal(second.kind, "data");
    assert.equal(second.channel, channel.name);
    assert.equal(second.topic, "log");
    assert.deepEqual(second.data, { line: "hello" });
    assert.equal(second.runId, runId);
    assertRecent(second.createdAt);

    await sub.inbox.nothingMore();
  } finally {
    sub.close();
  }
});

test("the SDK subscribes through the app alone, minting its token lazily", async () => {
  const channel = freshChannel();
  const stream = await within(inngest.realtime.subscribe({ channel, topics: ["status"] }), "app subscribe");
  const inbox = inboxOf(stream);
  try {
    await within(inngest.realtime.publish(channel.status, { step: 1 }), "SDK publish");
    const got = await inbox.next("the status published after a lazy-token subscribe");
    assert.equal(got.channel, channel.name);
    assert.equal(got.topic, "status");
    assert.deepEqual(got.data, { step: 1 });
  } finally {
    stream.close("test done");
  }
});

test("the official SDK ignores the position notice the gateway sends first", async () => {
  const channel = freshChannel();
  const token = await within(getSubscriptionToken(inngest, { channel, topics: ["status"] }), "token");
  const raw = await rawSubscribe(token.key);
  const sdk = await sdkSubscribe(token);
  try {
    assert.equal(raw.position.channel, channel.name);
    await within(inngest.realtime.publish(channel.status, { ok: 1 }), "publish");
    const first = await sdk.inbox.next("the message through the SDK");
    assert.equal(first.kind, "data", `the SDK's first item: ${JSON.stringify(first)}`);
    assert.deepEqual(first.data, { ok: 1 });
    const viaRaw = await raw.inbox.next("the message on the raw socket");
    assert.deepEqual(viaRaw.data, { ok: 1 });
    await Promise.all([sdk.inbox.nothingMore(), raw.inbox.nothingMore()]);
  } finally {
    sdk.close();
    raw.close();
  }
});

test("a token for topic A does not deliver topic B, nor other channels", async () => {
  const channel = freshChannel();
  const other = freshChannel();
  const statusOnly = await within(getSubscriptionToken(inngest, { channel, topics: ["status"] }), "token");
  assert.deepEqual(claimsOf(statusOnly.key).topics.map((t) => t.name), ["status"]);

  // The SDK is told both topics but holds a token for `status` only: the SDK's own topic
  // filter would let `log` through, so only the gateway can stop it.
  const sdk = await sdkSubscribe({ channel, topics: ["status", "log"], key: statusOnly.key, apiBaseUrl: gateway.url });
  // A raw socket shows every frame the gateway sends for the same token.
  const raw = await rawSubscribe(statusOnly.key);
  try {
    await within(inngest.realtime.publish(channel.log, { secret: "B" }), "publish to topic B");
    await within(inngest.realtime.publish(other.status, { secret: "other channel" }), "publish to another channel");
    assert.equal((await httpPublish({ channel: channel.name, topic: "log", data: { secret: "B2" } })).status, 200);
    await within(inngest.realtime.publish(channel.status, { ok: "A" }), "publish to topic A");

    // Delivery is in order, so anything leaked would come before A.
    const viaSdk = await sdk.inbox.next("topic A through the SDK");
    assert.equal(viaSdk.topic, "status");
    assert.equal(viaSdk.channel, channel.name);
    assert.deepEqual(viaSdk.data, { ok: "A" });
    const viaRaw = await raw.inbox.next("topic A on the raw socket");
    assert.equal(viaRaw.topic, "status");
    assert.equal(viaRaw.channel, channel.name);
    assert.deepEqual(viaRaw.data, { ok: "A" });

    await Promise.all([sdk.inbox.nothingMore(), raw.inbox.nothingMore()]);
  } finally {
    sdk.close();
    raw.close();
  }
});

test("a wrong signing key gets 401 and the SDK throws; the fallback key is retried", async () => {
  const channel = freshChannel();
  const wrong = new Inngest({ id: "test-app", baseUrl: gateway.url, signingKey: WRONG_KEY, isDev: false });

  await assert.rejects(
    within(getSubscriptionToken(wrong, { channel, topics: ["status"] }), "token with a wrong key"),
    /Failed to get subscription token: 401/,
  );
  await assert.rejects(
    within(wrong.realtime.publish(channel.status, { never: true }), "publish with a wrong key"),
    /Failed to publish event: 401/,
  );
  await assert.rejects(
    within(subscribe({ app: wrong, channel, topics: ["status"] }), "lazy subscribe with a wrong key"),
    /401/,
  );
  // A token the gateway did not sign is refused at connect, before the upgrade.
  const forged = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url")}.${Buffer.from(
    JSON.stringify({ channel: channel.name, topics: [{ channel: channel.name, name: "status" }] }),
  ).toString("base64url")}.AAAA`;
  await assert.rejects(rawSubscribe(forged), /connect answered 401/);

  // The SDK retries a 401 once with the fallback key, and the gateway takes it.
  const rotating = new Inngest({
    id: "test-app",
    baseUrl: gateway.url,
    signingKey: WRONG_KEY,
    signingKeyFallback: SIGNING_KEY,
    isDev: false,
  });
  const token = await within(getSubscriptionToken(rotating, { channel, topics: ["status"] }), "token via fallback");
  const sub = await sdkSubscribe(token);
  try {
    await within(rotating.realtime.publish(channel.status, { via: "fallback" }), "publish via fallback");
    const got = await sub.inbox.next("the status published with the fallback key");
    assert.deepEqual(got.data, { via: "fallback" });
    // The wrong-key publish above was refused, so it was not delivered either.
    await sub.inbox.nothingMore();
  } finally {
    sub.close();
  }
});

/**
 * A WebSocket class for one SDK subscription that records what the SDK's `onmessage`
 * handler (an async function, whose rejections nothing else would see) rejects with.
 * The SDK itself is not touched: it is handed this class as the global `WebSocket`.
 */
function recordingWebSocket(rejections) {
  return class RecordingWebSocket extends WsWebSocket {
    get onmessage() {
      return super.onmessage;
    }
    set onmessage(handler) {
      super.onmessage = (event) => {
        const result = handler(event);
        result?.catch?.((err) => rejections.push({ frame: JSON.parse(String(event.data)), err }));
        return result;
      };
    }
  };
}

/**
 * The lines the SDK logs through its `debug` logger (`inngest:realtime`) while `body` runs:
 * the same `debug` module instance the SDK imports, enabled and pointed here.
 */
async function withSdkDebugLog(body) {
  const Debug = createRequire(import.meta.resolve("inngest"))("debug");
  const lines = [];
  const previous = { log: Debug.log, namespaces: Debug.disable() };
  Debug.log = (...args) => lines.push(format(...args));
  Debug.enable("inngest:realtime");
  try {
    return await body(lines);
  } finally {
    Debug.log = previous.log;
    Debug.disable();
    if (previous.namespaces) Debug.enable(previous.namespaces);
  }
}

test("a data stream through the gateway: start and end carry the stream id as data; what the official SDK then does", async () => {
  const channel = freshChannel();
  const token = await within(getSubscriptionToken(inngest, { channel, topics: ["log"] }), "token");
  const raw = await rawSubscribe(token.key);
  const rejections = [];
  await withSdkDebugLog(async (debugLines) => {
    const Global = globalThis.WebSocket;
    globalThis.WebSocket = recordingWebSocket(rejections);
    let sdk;
    try {
      sdk = await sdkSubscribe(token);
    } finally {
      globalThis.WebSocket = Global;
    }
    try {
      // A `text/stream` publish: a data stream of text chunks on `log`.
      const url = new URL("/v1/realtime/publish", gateway.url);
      url.searchParams.set("channel", channel.name);
      url.searchParams.set("topic", "log");
      const res = await within(
        fetch(url, {
          method: "POST",
          headers: { Authorization: `Bearer ${SIGNING_KEY}`, "Content-Type": "text/stream" },
          body: "hello, stream",
        }),
        "the text/stream publish",
      );
      assert.equal(res.status, 200);
      const { stream_id: streamId, chunks } = await res.json();
      assert.equal(typeof streamId, "string");
      assert.equal(chunks, 1);
      // A plain message after it, so everything before it has been handled.
      await within(inngest.realtime.publish(channel.log, { marker: true }), "SDK publish");

      // The wire, on a raw socket: the start and the end both carry the stream id as
      // `data`, as the reference server's do; how the stream ended is in `stream_end`.
      const start = await raw.inbox.next("the datastream-start");
      const chunk = await raw.inbox.next("the chunk");
      const end = await raw.inbox.next("the datastream-end");
      assert.deepEqual(
        [start, chunk, end].map((e) => [e.kind, e.topic, e.stream_id, e.data]),
        [
          ["datastream-start", "log", streamId, streamId],
          ["chunk", "log", streamId, "hello, stream"],
          ["datastream-end", "log", streamId, streamId],
        ],
      );
      assert.equal(start.stream_end, undefined);
      assert.deepEqual(end.stream_end, { status: "finished", chunks: 1 });
      assert.deepEqual((await raw.inbox.next("the marker")).data, { marker: true });

      // The SDK (4.24.0): its `datastream-start` handler throws before it registers the
      // stream (`new ReadableStream({ start })` runs `start` at once, which reads the
      // `stream` const being declared), so it never yields the start; it drops the chunk
      // for an unknown stream id, and drops the end, which it now reads as closing that
      // stream id (it used to find no stream id in an end), as a stream that does not exist.
      const first = await sdk.inbox.next("the marker through the SDK");
      assert.equal(first.kind, "data");
      assert.deepEqual(first.data, { marker: true });
      await sdk.inbox.nothingMore();
      assert.equal(rejections.length, 1, `one rejected message handler: ${format(rejections)}`);
      assert.equal(rejections[0].frame.kind, "datastream-start");
      assert.ok(rejections[0].err instanceof ReferenceError, format(rejections[0].err));
      assert.match(rejections[0].err.message, /Cannot access 'stream' before initialization/);
      const log = debugLines.join("\n");
      assert.ok(log.includes(`for unknown stream ID "${streamId}"`), log);
      assert.ok(log.includes(`to close stream ID "${streamId}" that doesn't exist`), log);
      assert.ok(!log.includes("with no stream ID"), log);
    } finally {
      sdk.close();
      raw.close();
    }
  });
});

test("after all that, the gateway still serves", async () => {
  const health = await within(fetch(`${gateway.url}/healthz`), "healthz");
  assert.equal(health.status, 200);
  assert.equal((await health.json()).status, "ok");

  const channel = freshChannel();
  const token = await within(getSubscriptionToken(inngest, { channel, topics: ["status"] }), "token");
  const sub = await sdkSubscribe(token);
  try {
    const published = await httpPublish({ channel: channel.name, topic: "status", data: { still: "alive" } });
    assert.equal(published.status, 200);
    const got = await sub.inbox.next("a status published at the end");
    assert.equal(got.topic, "status");
    assert.deepEqual(got.data, { still: "alive" });
  } finally {
    sub.close();
  }
});
