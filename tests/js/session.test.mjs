// What connections of the official `inngest` SDK (4.24.0) get from the gateway's sessions.
// The SDK mints tokens through the token route (they live `--token-ttl-secs`, 60 s by
// default) and never refreshes in band: its message schema knows no `session_expiring`
// (it drops the notice as an invalid message), and when the server closes the socket it
// closes its stream and does not reconnect. So an SDK subscription ends at its token's
// expiry, and the application subscribes again (with a fresh token) for more. This file
// records exactly that, with 2-second tokens, and fails when an SDK version changes it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Inngest, realtime, staticSchema } from "inngest";
import { WebSocket as WsWebSocket } from "ws";

import { startGateway } from "./gateway.mjs";

if (typeof globalThis.WebSocket === "undefined") globalThis.WebSocket = WsWebSocket;
for (const name of Object.keys(process.env)) {
  if (name.startsWith("INNGEST_") || (name.startsWith("REALTIME_") && name !== "REALTIME_BIN")) {
    delete process.env[name];
  }
}

const SIGNING_KEY = `signkey-test-${randomBytes(32).toString("hex")}`;
const TTL_SECS = 2;
const WAIT_MS = 15_000;

const runChannel = realtime.channel({
  name: (runId) => `run:${runId}`,
  topics: { status: { schema: staticSchema() } },
});

let gateway;
let inngest;

before(async () => {
  gateway = await startGateway(["--token-ttl-secs", String(TTL_SECS)], { REALTIME_SIGNING_KEY: SIGNING_KEY });
  inngest = new Inngest({ id: "session-app", baseUrl: gateway.url, signingKey: SIGNING_KEY, isDev: false });
});

after(async () => {
  await gateway?.stop();
});

function within(promise, what, ms = WAIT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Reads a stream to its end, collecting what it yields. */
async function readToEnd(stream) {
  const items = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return items;
    items.push(value);
  }
}

test("an SDK subscription ends at its token's expiry, and subscribing again goes on", async () => {
  const channel = runChannel(`${process.pid}-${Date.now()}`);
  const opened = Date.now();
  const stream = await within(inngest.realtime.subscribe({ channel, topics: ["status"] }), "the SDK subscribing");
  const ended = within(readToEnd(stream), "the SDK's stream ending by itself");
  await within(inngest.realtime.publish(channel.status, { n: 1 }), "a publish");
  const items = await ended;
  assert.deepEqual(
    items.map((m) => [m.kind, m.data]),
    [["data", { n: 1 }]],
    "the message, and no notice: the SDK drops `session_expiring` and `closing`",
  );
  assert.ok(Date.now() - opened >= (TTL_SECS - 1) * 1000, "it lived until its token expired");

  // The application subscribes again: a fresh token, and the channel goes on.
  const again = await within(inngest.realtime.subscribe({ channel, topics: ["status"] }), "subscribing again");
  const reader = again.getReader();
  await within(inngest.realtime.publish(channel.status, { n: 2 }), "a publish");
  const { value } = await within(reader.read(), "the message after subscribing again");
  assert.deepEqual(value.data, { n: 2 });
  again.close("test done");
});

/** A raw WebSocket subscription on `gw` with a token minted by the route; resolves with the
 * frames it got (positions aside) and the close code once the gateway closes it. */
async function rawUntilClosed(gw, channel) {
  const token = await within(
    fetch(`${gw.url}/v1/realtime/token`, {
      method: "POST",
      headers: { authorization: `Bearer ${SIGNING_KEY}`, "content-type": "application/json" },
      body: JSON.stringify([{ channel: channel.name, name: "status" }]),
    }).then((r) => r.json()),
    "a token",
  );
  const url = new URL("/v1/realtime/connect", gw.url);
  url.protocol = "ws:";
  url.searchParams.set("token", token.jwt);
  const ws = new WsWebSocket(url);
  const frames = [];
  ws.on("message", (data) => frames.push(JSON.parse(data.toString())));
  const code = await within(new Promise((resolve) => ws.on("close", resolve)), "the gateway closing the socket");
  return { frames: frames.filter((f) => f.kind !== "position"), code };
}

test("what the gateway sends such a connection: the notice, `closing`, close code 4001", async () => {
  const { frames, code } = await rawUntilClosed(gateway, runChannel(`${process.pid}-${Date.now()}-raw`));
  assert.deepEqual(frames.map((f) => f.kind), ["session_expiring", "closing"]);
  assert.equal(frames[0].data.reason, "token");
  assert.equal(frames[1].data.code, "session_expired");
  assert.equal(code, 4001);
});

test("`realtime serve --max-session-secs` ends sessions whatever their tokens say", async () => {
  const capped = await startGateway(["--max-session-secs", "2"], { REALTIME_SIGNING_KEY: SIGNING_KEY });
  try {
    const { frames, code } = await rawUntilClosed(capped, runChannel(`${process.pid}-${Date.now()}-capped`));
    assert.deepEqual(frames.map((f) => f.kind), ["session_expiring", "closing"]);
    assert.equal(frames[0].data.reason, "max_session");
    assert.equal(frames[1].data.code, "session_expired");
    assert.equal(code, 4001);
  } finally {
    await capped.stop();
  }
});
