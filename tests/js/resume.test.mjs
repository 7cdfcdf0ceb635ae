// A browser's EventSource resumes by itself: real headless Chromium subscribes over SSE to a
// gateway on the Redis transport, the gateway stops, a second gateway sharing the Redis
// publishes while it is away, and when the first comes back on the same port the browser's
// automatic reconnection (with `Last-Event-ID`) gets every missed message, in order, once.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

import { freePort, startGateway } from "./gateway.mjs";

const executablePath = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const REDIS_URL = process.env.REALTIME_TEST_REDIS_URL || "redis://127.0.0.1:6379";
const KEY = "signkey-test-0badc0de";
const CHANNEL = "pipeline:browser-resume";

let browser;
const gateways = [];

before(async () => {
  browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic"],
  });
});

after(async () => {
  await browser?.close();
  await Promise.all(gateways.map((g) => g.stop()));
});

async function start(prefix, port) {
  const gateway = await startGateway(
    ["--signing-key", KEY, "--redis", REDIS_URL, "--redis-prefix", prefix],
    {},
    port,
  );
  gateways.push(gateway);
  return gateway;
}

async function publish(gateway, percent) {
  const url = `${gateway.url}/v1/realtime/publish?channel=${CHANNEL}&topic=status`;
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ message: "step", percent }),
  });
  const body = await response.text();
  assert.equal(response.status, 200, body);
  return JSON.parse(body).id;
}

async function token(gateway) {
  const response = await fetch(`${gateway.url}/v1/realtime/token`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify([{ channel: CHANNEL, name: "status" }]),
  });
  const body = await response.text();
  assert.equal(response.status, 201, body);
  return JSON.parse(body).jwt;
}

test("an EventSource resumes after a gateway restart with every missed message, once", { timeout: 90_000 }, async () => {
  const prefix = `jsresume:${process.pid}:${Date.now()}:`;
  const port = await freePort();
  let a = await start(prefix, port);
  const b = await start(prefix);
  const jwt = await token(a);

  const page = await (await browser.newContext()).newPage();
  const problems = [];
  page.on("pageerror", (err) => problems.push(err.message));
  // Same origin as the stream, so the browser sends Last-Event-ID without CORS in the way.
  await page.goto(`${a.url}/healthz`);
  await page.evaluate((jwt) => {
    window.received = [];
    window.gaps = [];
    window.opened = 0;
    const source = new EventSource(`/v1/realtime/sse?token=${encodeURIComponent(jwt)}`);
    source.onopen = () => window.opened++;
    source.onmessage = (e) => window.received.push({ id: e.lastEventId, envelope: JSON.parse(e.data) });
    source.addEventListener("continuity_lost", (e) => window.gaps.push(JSON.parse(e.data)));
  }, jwt);
  await page.waitForFunction(() => window.opened === 1);

  const ids = [];
  for (let percent = 0; percent < 3; percent++) ids.push(await publish(a, percent));
  await page.waitForFunction(() => window.received.length === 3);

  // A goes away; B, sharing the Redis, publishes meanwhile.
  await a.stop();
  for (let percent = 3; percent < 6; percent++) ids.push(await publish(b, percent));
  // A comes back where it was; the browser reconnects by itself (retry: 1000 ms).
  a = await start(prefix, port);
  await page.waitForFunction(() => window.opened >= 2, null, { timeout: 30_000 });
  await page.waitForFunction(() => window.received.length >= 6, null, { timeout: 30_000 });
  ids.push(await publish(b, 6));
  await page.waitForFunction(() => window.received.length >= 7, null, { timeout: 30_000 });

  const { received, gaps } = await page.evaluate(() => ({ received: window.received, gaps: window.gaps }));
  assert.deepEqual(
    received.map((m) => m.envelope.data.percent),
    [0, 1, 2, 3, 4, 5, 6],
    "every message, in order, once",
  );
  assert.deepEqual(received.map((m) => m.id), ids, "the SSE ids are the message ids");
  assert.deepEqual(gaps, [], "nothing was lost");
  assert.deepEqual(problems, []);
});
