// The demo page of `realtime serve --demo`, in real headless Chromium: it mints a token,
// subscribes over WebSocket, starts a demo run and shows its run status, progress, log and
// streamed summary live.
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
// The summary a run streams word by word (src/demo/mod.rs, `SUMMARY`).
const SUMMARY =
  "The three sources agree: the pipeline indexed 128 chunks, found 12 relevant passages, and every claim in this summary is supported by them.";

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
  // Every value the progress bar and the summary take, to tell live updates from a jump
  // to the end.
  await page.addInitScript(() => {
    window.__progressSeen = [];
    window.__summarySeen = [];
    document.addEventListener("DOMContentLoaded", () => {
      const bar = document.getElementById("progress");
      new MutationObserver(() => window.__progressSeen.push(Number(bar.getAttribute("aria-valuenow")))).observe(
        bar,
        { attributes: true, attributeFilter: ["aria-valuenow"] },
      );
      const summary = document.getElementById("summary");
      new MutationObserver(() => window.__summarySeen.push(summary.textContent)).observe(summary, {
        childList: true,
        characterData: true,
        subtree: true,
      });
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
      runStatus: await page.textContent("#run-status"),
      summary: await page.textContent("#summary"),
      summaryState: await page.getAttribute("#summary-state", "data-state"),
      summarySeen: await page.evaluate(() => window.__summarySeen),
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

  // The run's status and its summary, streamed word by word, not all at once.
  assert.equal(seen.runStatus, "completed");
  assert.equal(seen.summary, SUMMARY);
  assert.equal(seen.summaryState, "finished");
  const words = SUMMARY.split(" ").length;
  assert.ok(new Set(seen.summarySeen).size >= words / 2, `summary texts seen: ${seen.summarySeen.length}`);

  // What the gateway sent over the page's WebSocket: the run's envelopes, tagged with it:
  // started, a log and a status per step, the summary's stream, completed.
  const channel = `demo:${seen.runId}`;
  // The subscription's `position` notice is where the channel stood, not a message.
  const envelopes = seen.frames.filter((f) => f.channel === channel && f.kind !== "position");
  assert.equal(envelopes.length, STEPS.length * 2 + words + 4);
  assert.equal(seen.received, String(envelopes.length));
  const runs = envelopes.filter((e) => e.kind === "run");
  assert.deepEqual(runs.map((e) => e.data.status), ["started", "completed"]);
  assert.deepEqual(runs[1].data.output, { summary_words: words });
  assert.equal(envelopes[0].kind, "run");
  assert.equal(envelopes.at(-1).kind, "run");
  const stream = envelopes.filter((e) => e.topic === "summary");
  assert.deepEqual(
    stream.map((e) => e.kind),
    ["datastream-start", ...Array(words).fill("chunk"), "datastream-end"],
  );
  assert.ok(stream.every((e) => e.stream_id === stream[0].data), "one stream id, announced at its start");
  assert.equal(stream.filter((e) => e.kind === "chunk").map((e) => e.data).join(""), SUMMARY);
  // The end carries the stream id as data, as the start does; how it ended is in `stream_end`.
  assert.equal(stream.at(-1).data, stream[0].data);
  assert.deepEqual(stream.at(-1).stream_end, { status: "finished", chunks: words });
  for (const env of envelopes) {
    assert.ok(["data", "run", "datastream-start", "chunk", "datastream-end"].includes(env.kind), env.kind);
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
    assert.deepEqual(claims.topics.map((t) => t.name).sort(), ["log", "status", "summary"]);
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
