// The demo page of `realtime serve --demo`, in real headless Chromium: it mints a token,
// subscribes over WebSocket, starts a demo run and shows its progress and log live.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

import { startGateway } from "./gateway.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const screenshots = path.join(here, "screenshots");
const executablePath = process.env.CHROMIUM_BIN || "/usr/bin/chromium";

// What a demo run publishes: the script of src/demo/mod.rs (`STEPS`), as [percent, stage, line].
const STEPS = [
  [0, "Queued", "Run queued, waiting for a worker"],
  [8, "Starting", "Worker picked up the run"],
  [16, "Fetching sources", "Fetching 3 source documents"],
  [25, "Fetching sources", "Fetched 3 documents (42 KB)"],
  [33, "Parsing", "Split the documents into 128 chunks"],
  [42, "Embedding", "Embedded 64 of 128 chunks"],
  [50, "Embedding", "Embedded 128 of 128 chunks"],
  [58, "Searching", "Found 12 relevant passages"],
  [67, "Generating", "Drafting the summary from 12 passages"],
  [75, "Generating", "Generated 412 tokens"],
  [83, "Reviewing", "Checked 9 claims against the sources: all supported"],
  [92, "Saving", "Saved the summary"],
  [100, "Done", "Pipeline complete"],
];
const LINES = STEPS.map(([, , line]) => line);

let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
});

/**
 * Opens the demo page of `gateway`, waits (at most 60 s) for its run to finish, and
 * returns what the page shows and what its WebSocket received.
 */
async function watchDemo(gateway, screenshot) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => msg.type() === "error" && problems.push(`console: ${msg.text()}`));
  const frames = [];
  page.on("websocket", (ws) => ws.on("framereceived", (frame) => frames.push(frame.payload)));
  // Every value the progress bar takes, to tell live updates from a jump to the end.
  await page.addInitScript(() => {
    window.__progressSeen = [];
    document.addEventListener("DOMContentLoaded", () => {
      const bar = document.getElementById("progress");
      new MutationObserver(() => window.__progressSeen.push(Number(bar.getAttribute("aria-valuenow")))).observe(
        bar,
        { attributes: true, attributeFilter: ["aria-valuenow"] },
      );
    });
  });
  try {
    const response = await page.goto(`${gateway.url}/`);
    assert.equal(response.status(), 200);
    assert.equal(await page.title(), "realtime-rs · live pipeline demo");
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 60_000 });
    const log = await page.$$eval('#log li[data-topic="log"] .line', (els) => els.map((el) => el.textContent));
    const state = await page.getAttribute("body", "data-state");
    assert.equal(state, "done", `the run did not finish: ${problems.join("; ")}; log: ${JSON.stringify(log)}`);
    mkdirSync(screenshots, { recursive: true });
    // Let the bar's width transition settle before the picture.
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(screenshots, screenshot), fullPage: true });
    return {
      log,
      problems,
      frames: frames.map((payload) => JSON.parse(payload)),
      runId: await page.getAttribute("body", "data-run-id"),
      html: await page.content(),
      progress: await page.getAttribute("#progress", "aria-valuenow"),
      percent: await page.textContent("#percent"),
      stage: await page.textContent("#stage"),
      connection: await page.getAttribute("#connection", "data-state"),
      received: await page.textContent("#received"),
      progressSeen: await page.evaluate(() => window.__progressSeen),
    };
  } finally {
    await context.close();
  }
}

/** Checks that the page showed every published message, live, and reached 100 %. */
function assertShowsTheRun(seen) {
  assert.deepEqual(seen.problems, []);
  assert.equal(seen.progress, "100");
  assert.equal(seen.percent, "100%");
  assert.equal(seen.stage, "Done");
  assert.equal(seen.connection, "done");
  assert.match(seen.runId, /^[0-9a-f]{12}$/);

  // The page's log holds the published lines, in order, each once.
  assert.deepEqual(seen.log, LINES);

  // What the gateway sent over the page's WebSocket: the run's envelopes, tagged with it.
  const channel = `demo:${seen.runId}`;
  const envelopes = seen.frames.filter((f) => f.channel === channel);
  assert.equal(envelopes.length, STEPS.length * 2);
  assert.equal(seen.received, String(envelopes.length));
  for (const env of envelopes) {
    assert.equal(env.kind, "data");
    assert.equal(env.run_id, seen.runId);
    assert.equal(env.fn_id, "demo-pipeline");
    assert.match(env.id, /^\d+-\d+$/);
    assert.ok(!Number.isNaN(Date.parse(env.created_at)), env.created_at);
  }
  const logs = envelopes.filter((e) => e.topic === "log").map((e) => e.data.line);
  const statuses = envelopes.filter((e) => e.topic === "status").map((e) => [e.data.percent, e.data.stage]);
  assert.deepEqual(logs, LINES);
  assert.deepEqual(statuses, STEPS.map(([percent, stage]) => [percent, stage]));

  // The bar moved through the steps as they arrived, not straight to the end.
  const distinct = [...new Set(seen.progressSeen.filter((v) => v > 0))];
  assert.ok(distinct.length >= STEPS.length - 2, `progress values seen: ${seen.progressSeen}`);
  assert.equal(distinct.at(-1), 100);
}

test("the demo page shows a run's progress and log live (dev mode)", { timeout: 90_000 }, async () => {
  const gateway = await startGateway(["--demo", "--dev"]);
  try {
    assert.match(gateway.output(), /demo page: http:\/\/127\.0\.0\.1:\d+\//);
    const seen = await watchDemo(gateway, "demo.png");
    assertShowsTheRun(seen);
  } finally {
    await gateway.stop();
  }
});

test("with a signing key, the page subscribes with a minted token and never sees the key", { timeout: 90_000 }, async () => {
  const key = "signkey-test-5f0c2a9e7d3b41c8a6e2";
  const gateway = await startGateway(["--demo"], { REALTIME_SIGNING_KEY: key, REALTIME_DEV: "false" });
  try {
    // Without the key, the token route refuses: the page cannot be using it.
    const refused = await fetch(`${gateway.url}/v1/realtime/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ channel: "demo:x", name: "status", kind: "run" }]),
    });
    assert.equal(refused.status, 401);

    const seen = await watchDemo(gateway, "demo-signing-key.png");
    assertShowsTheRun(seen);
    assert.ok(!seen.html.includes("5f0c2a9e7d3b41c8a6e2"), "the page holds the signing key");

    // The demo hands out subscribe-only tokens for its own run, and a run starts once.
    const created = await fetch(`${gateway.url}/demo/runs`, { method: "POST" });
    assert.equal(created.status, 201);
    const run = await created.json();
    assert.equal(run.channel, `demo:${run.run_id}`);
    assert.ok(!JSON.stringify(run).includes("5f0c2a9e7d3b41c8a6e2"));
    const claims = JSON.parse(Buffer.from(run.token.split(".")[1], "base64url").toString());
    assert.equal(claims.channel, run.channel);
    assert.equal(claims.publish, false);
    assert.deepEqual(claims.topics.map((t) => t.name).sort(), ["log", "status"]);
    const publish = await fetch(
      `${gateway.url}/v1/realtime/publish?channel=${encodeURIComponent(run.channel)}&topic=log`,
      { method: "POST", headers: { authorization: `Bearer ${run.token}` }, body: JSON.stringify({ line: "x" }) },
    );
    assert.equal(publish.status, 403);
    const start = () => fetch(`${gateway.url}/demo/runs/${run.run_id}/start`, { method: "POST" });
    assert.equal((await start()).status, 202);
    assert.equal((await start()).status, 409);
    assert.equal((await fetch(`${gateway.url}/demo/runs/nope/start`, { method: "POST" })).status, 404);
  } finally {
    await gateway.stop();
  }
});
