// The OFFICIAL React hook, `useRealtime` from `inngest/react` (inngest 4.24.0, unpatched),
// rendered with React 19 in real headless Chromium against a real `realtime serve --demo`:
// the page (pages/official-hook.jsx, bundled here with esbuild, served by a small app server
// of this test) creates a demo run, gets a token, subscribes with the hook to the run's
// `status` and `log` topics, starts the run once the hook is open, and renders what the hook
// returns.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { Inngest } from "inngest";
import { getSubscriptionToken } from "inngest/realtime";

import { startGateway } from "./gateway.mjs";

// Only the settings below count: no INNGEST_* or REALTIME_* variable of the environment.
for (const name of Object.keys(process.env)) {
  if (name.startsWith("INNGEST_") || (name.startsWith("REALTIME_") && name !== "REALTIME_BIN")) {
    delete process.env[name];
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));
const executablePath = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const SIGNING_KEY = `signkey-test-${randomBytes(32).toString("hex")}`;

// What a demo run publishes on `log`, in order (src/demo/mod.rs, `STEPS`).
const LINES = [
  "Run queued, waiting for a worker",
  "Worker picked up the run",
  "Fetching 3 source documents",
  "Fetched 3 documents (42 KB)",
  "Split the documents into 128 chunks",
  "Embedded 64 of 128 chunks",
  "Embedded 128 of 128 chunks",
  "Found 12 relevant passages",
  "Drafting the summary from 12 passages",
  "Generated 412 tokens",
  "Checked 9 claims against the sources: all supported",
  "Saved the summary",
  "Pipeline complete",
];
// The words of the summary the run streams (src/demo/mod.rs, `SUMMARY`): the completed
// run's output counts them.
const SUMMARY_WORDS = 23;

/**
 * The known bug of inngest 4.24.0 with data streams: on `datastream-start`, TokenSubscription
 * builds `const stream = new ReadableStream({ start: (controller) => ...set(id, { stream, ... }) })`,
 * and `start` runs inside the constructor, before `stream` is initialised. The WebSocket
 * message handler is async, so it surfaces as an unhandled rejection (and the SDK never
 * delivers that stream). It happens whenever the gateway sends a stream the token grants,
 * whatever topics the hook was given.
 */
const SDK_STREAM_BUG = "ReferenceError: Cannot access 'stream' before initialization";

let browser;
let gateway;
let inngest;
let bundle;
let app;
/** Tokens the app's token route minted, by channel, in order. */
let minted = [];

const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>official useRealtime</title></head>
<body><div id="root"></div><script type="module" src="/page.js"></script></body></html>`;

/**
 * The app the page comes from, on an origin of its own, as a real one would be: it serves
 * the page and its bundle, mints tokens on `GET /token?channel=...` with the gateway's token
 * route (the SDK, holding the signing key, for the topics without a data stream), and passes
 * `POST /demo/runs[/{id}/start]` on to the gateway. The page's WebSocket goes straight to the
 * gateway (`apiBaseUrl`), which allows this origin (`--allowed-origin`).
 */
function startApp() {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://app");
      if (req.method === "GET" && url.pathname === "/") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(HTML);
      } else if (req.method === "GET" && url.pathname === "/page.js") {
        res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(bundle);
      } else if (req.method === "GET" && url.pathname === "/token") {
        const channel = url.searchParams.get("channel");
        const token = await getSubscriptionToken(inngest, { channel, topics: ["status", "log"] });
        minted.push(channel);
        res.writeHead(200, { "content-type": "text/plain" }).end(token.key);
      } else if (req.method === "POST" && url.pathname.startsWith("/demo/runs")) {
        const upstream = await fetch(new URL(url.pathname, gateway.url), { method: "POST" });
        res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
      } else {
        res.writeHead(404).end("not found");
      }
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

before(async () => {
  const built = await build({
    entryPoints: [path.join(here, "pages", "official-hook.jsx")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  bundle = built.outputFiles[0].text;
  app = await startApp();
  gateway = await startGateway(["--demo", "--allowed-origin", app.url], {
    REALTIME_SIGNING_KEY: SIGNING_KEY,
    REALTIME_DEV: "false",
  });
  inngest = new Inngest({ id: "official-hook-test", baseUrl: gateway.url, signingKey: SIGNING_KEY, isDev: false });
  browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
});

after(async () => {
  await browser?.close();
  await gateway?.stop();
  await app?.close();
});

/**
 * Opens the page and waits (at most 60 s) for the hook to report the run completed; returns
 * what the page rendered and what went wrong in it.
 */
async function watchWithOfficialHook(tokenMode) {
  minted = [];
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors = [];
  const consoleErrors = [];
  page.on("pageerror", (err) => pageErrors.push(`${err.name}: ${err.message}`));
  page.on("console", (msg) => msg.type() === "error" && consoleErrors.push(msg.text()));
  await page.addInitScript(() => {
    window.__rejections = [];
    window.addEventListener("unhandledrejection", (event) => {
      const r = event.reason;
      window.__rejections.push(r instanceof Error ? `${r.name}: ${r.message}` : String(r));
    });
  });
  try {
    const query = new URLSearchParams({ token: tokenMode, gateway: gateway.url });
    const response = await page.goto(`${app.url}/?${query}`);
    assert.equal(response.status(), 200);
    try {
      await page.waitForFunction(
        () => document.getElementById("run-status")?.textContent === "completed",
        undefined,
        { timeout: 60_000 },
      );
    } catch (err) {
      throw new Error(
        `the hook never reported the run completed: ${err.message}\npage errors: ${pageErrors.join("; ")}\n` +
          `console: ${consoleErrors.join("; ").slice(0, 2000)}\npage: ${await page.textContent("body")}`,
      );
    }
    // Let anything still in flight (the hook's close, late errors) land.
    await page.waitForTimeout(300);
    return {
      pageErrors,
      consoleErrors,
      minted: [...minted],
      rejections: await page.evaluate(() => window.__rejections),
      runId: await page.getAttribute("body", "data-run-id"),
      startStatus: await page.getAttribute("body", "data-start-status"),
      channel: await page.textContent("#channel"),
      connection: await page.textContent("#connection"),
      runStatus: await page.textContent("#run-status"),
      stage: await page.textContent("#stage"),
      percent: await page.textContent("#percent"),
      lastLog: await page.textContent("#last-log"),
      log: await page.$$eval("#log li", (els) => els.map((el) => el.textContent)),
      allCount: await page.textContent("#all-count"),
      result: await page.textContent("#result"),
      error: await page.textContent("#error"),
    };
  } finally {
    await context.close();
  }
}

/** What the hook rendered for a whole demo run, whichever token it had. */
function assertRendersTheRun(seen) {
  assert.match(seen.runId, /^[0-9a-f]{12}$/);
  assert.equal(seen.channel, `demo:${seen.runId}`);
  assert.equal(seen.startStatus, "202", "the page started the run once the hook was open");
  // The hook's run status, from the run lifecycle `completed`; its result, that run's output.
  assert.equal(seen.runStatus, "completed");
  assert.deepEqual(JSON.parse(seen.result), { summary_words: SUMMARY_WORDS });
  // messages.byTopic: the latest status and log.
  assert.equal(seen.stage, "Done");
  assert.equal(seen.percent, "100");
  assert.equal(seen.lastLog, "Pipeline complete");
  // messages.all: every log line, in order, once.
  assert.deepEqual(seen.log, LINES);
  // And a status per step beside them (run lifecycle messages are not kept there).
  assert.equal(seen.allCount, String(LINES.length * 2));
  assert.equal(seen.error, "");
  // With autoCloseOnTerminal (the default), the hook closes once the run is terminal.
  assert.equal(seen.connection, "closed");
}

test("the official useRealtime hook renders a demo run's status, log and completion (token minted for status and log)", async () => {
  const seen = await watchWithOfficialHook("scoped");
  assert.deepEqual(seen.minted, [`demo:${seen.runId}`], "the hook's token() was called once");
  assertRendersTheRun(seen);
  // The token grants no topic with a data stream, so the SDK's stream bug cannot occur:
  // nothing went wrong in the page at all.
  assert.deepEqual(seen.pageErrors, []);
  assert.deepEqual(seen.rejections, []);
  assert.deepEqual(seen.consoleErrors, []);
});

test("the official useRealtime hook with the token POST /demo/runs answers (status, log and summary)", async () => {
  const seen = await watchWithOfficialHook("demo");
  assert.deepEqual(seen.minted, []);
  assertRendersTheRun(seen);
  // That token also grants `summary`, which the demo streams: the gateway sends its
  // datastream-start, and inngest 4.24.0 (pinned) throws on it (SDK_STREAM_BUG above) whatever
  // topics the hook asked for. It surfaces exactly once, for the run's one stream, as an
  // unhandled rejection; it is the only error the page sees, and the hook renders everything
  // else regardless. (The SDK never delivers the stream; the hook was not asked for it.)
  assert.deepEqual(seen.pageErrors, [SDK_STREAM_BUG]);
  assert.deepEqual(seen.rejections, [SDK_STREAM_BUG]);
  assert.deepEqual(seen.consoleErrors, []);
});
