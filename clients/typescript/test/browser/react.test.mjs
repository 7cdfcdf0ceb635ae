// useRealtime in real headless Chromium: a React page (StrictMode) bundled at test time,
// against real gateway processes. No console error, page error or unhandled rejection is
// allowed, except Chromium's own log lines for connections a test breaks on purpose.
// The demo page (pages/demo.tsx) is typed by the bindings `$REALTIME_BIN schema --format
// client` generates here, and type-checked with `tsc --strict` before it is bundled.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

import { KEY, REDIS_URL, craftToken, freePort, mint, publish, startGateway, uniqueChannel } from "../helpers.mjs";
import { NETWORK_FAILURES, bundle, generateBindings, openPage, servePage, typecheck } from "./harness.mjs";

const demoPage = path.join(path.dirname(fileURLToPath(import.meta.url)), "pages/demo.tsx");

// The demo's script (src/demo/mod.rs): its log lines and the summary it streams word by word.
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
const SUMMARY =
  "The three sources agree: the pipeline indexed 128 chunks, found 12 relevant passages, and every claim in this summary is supported by them.";

const cleanups = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const text = (page, selector) => page.textContent(selector);

let bindings;
let demoScript;
before(async () => {
  bindings = await generateBindings();
  demoScript = await bundle("demo.tsx", { bindings }); // type-checked first
});

test("the demo page is typed by the generated bindings: tsc --strict passes, and a misread field fails", { timeout: 60_000 }, async () => {
  const good = await typecheck(demoPage, bindings);
  assert.equal(good.code, 0, `tsc failed on demo.tsx:\n${good.output}`);
  const source = readFileSync(demoPage, "utf8");
  assert.equal(source.split("status?.stage").length, 2, "demo.tsx reads status?.stage once");
  const misread = path.join(bindings, "demo-misread.tsx");
  writeFileSync(misread, source.replace("status?.stage", "status?.stag"));
  const bad = await typecheck(misread, bindings);
  assert.notEqual(bad.code, 0, "tsc accepted status.stag");
  const errors = bad.output.split("\n").filter((line) => /error TS\d+/.test(line));
  assert.equal(errors.length, 1, bad.output);
  assert.match(errors[0], /^demo-misread\.tsx\(\d+,\d+\): error TS(2339|2551): Property 'stag' does not exist on type 'DemoStatus'/);
});

for (const transport of ["websocket", "sse"]) {
  test(`a React page renders the demo run live through useRealtime (${transport})`, { timeout: 90_000 }, async () => {
    const config = { transport };
    const server = await servePage(demoScript, config);
    cleanups.push(server.close);
    const gateway = await startGateway(["--demo", "--signing-key", KEY, "--allowed-origin", server.origin]);
    cleanups.push(gateway.stop);
    const created = await fetch(`${gateway.url}/demo/runs`, { method: "POST" });
    assert.equal(created.status, 201);
    const run = await created.json();
    Object.assign(config, { url: gateway.url, run_id: run.run_id, token: run.token });

    const opened = await openPage(server.url);
    cleanups.push(opened.close);
    const { page } = opened;
    // Every text the summary shows, to tell a live stream from a jump to the end.
    await page.evaluate(() => {
      window.__summarySeen = [];
      const summary = document.getElementById("summary");
      new MutationObserver(() => window.__summarySeen.push(summary.textContent)).observe(summary, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await page.waitForSelector("#connection:text-is('open')", { timeout: 20_000 });
    assert.equal((await fetch(`${gateway.url}/demo/runs/${run.run_id}/start`, { method: "POST" })).status, 202);
    await page.waitForSelector("#run-status:text-is('completed')", { timeout: 60_000 });
    await page.waitForSelector("#summary[data-state='finished']", { timeout: 10_000 });

    assert.equal(await text(page, "#connection"), "open");
    assert.equal(await text(page, "#channel"), run.channel, "demoChannel({ run_id }) names the run's channel");
    assert.equal(await text(page, "#stage"), "Done");
    assert.equal(await text(page, "#percent"), "100%");
    assert.deepEqual(await page.$$eval("#log li", (els) => els.map((el) => el.textContent)), LINES);
    assert.equal(await text(page, "#summary"), SUMMARY);
    const words = SUMMARY.split(" ").length;
    assert.equal(await page.getAttribute("#summary", "data-chunks"), String(words));
    assert.equal(await text(page, "#streams"), "1");
    assert.deepEqual(JSON.parse(await text(page, "#run-output")), { summary_words: words });
    assert.equal(await text(page, "#error"), "");
    const seen = await page.evaluate(() => window.__summarySeen);
    assert.ok(new Set(seen).size >= words / 2, `the summary grew in ${new Set(seen).size} steps, not word by word`);
    if (transport === "websocket") {
      // StrictMode mounts twice: the first subscription closes before it connects.
      assert.deepEqual(opened.websockets.length, 1, `WebSockets opened: ${opened.websockets}`);
    }
    assert.deepEqual(await opened.problems(), []);
    assert.deepEqual(opened.networkLog, []);

    // Unmounting (leaving the page) closes the subscription with no error.
    await page.goto("about:blank");
    assert.deepEqual(await opened.problems(), []);
  });
}

/** Two gateways sharing a Redis prefix: `first` on `port` (the page's), `other` to publish. */
async function redisPair(origin, extra = []) {
  const prefix = `tsclient-browser:${randomUUID()}:`;
  const port = await freePort();
  const args = ["--signing-key", KEY, "--allowed-origin", origin, "--redis", REDIS_URL, "--redis-prefix", prefix, ...extra];
  const start = async (p) => {
    const gateway = await startGateway(args, p);
    cleanups.push(gateway.stop);
    return gateway;
  };
  return { first: await start(port), other: await start(), restart: () => start(port) };
}

async function numbersPage(transport, tokenRoute) {
  const config = { transport };
  const server = await servePage(await bundle("numbers.jsx"), config, { "/token": tokenRoute });
  cleanups.push(server.close);
  return { config, server };
}

const readNumbers = async (page) => JSON.parse(await text(page, "#ns"));

async function waitForCount(page, n, timeout = 30_000) {
  await page.waitForFunction((n) => Number(document.getElementById("count").textContent) >= n, n, { timeout });
}

for (const transport of ["websocket", "sse"]) {
  test(`a gateway restart mid-run (${transport}): the page keeps going, no loss, no duplicate`, { timeout: 120_000 }, async () => {
    const channel = uniqueChannel("restart");
    let tokens = 0;
    let gateways;
    const { config, server } = await numbersPage(transport, async (req, res) => {
      tokens++;
      const jwt = await mint(gateways.other, channel, ["n"]);
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(jwt);
    });
    gateways = await redisPair(server.origin);
    Object.assign(config, { url: gateways.first.url, channel });
    const opened = await openPage(server.url, { allowNetworkLog: NETWORK_FAILURES });
    cleanups.push(opened.close);
    const { page } = opened;
    await page.waitForSelector("#connection:text-is('open')", { timeout: 20_000 });

    // Numbered messages, published steadily while the page's gateway stops and comes back.
    const TOTAL = 60;
    const sent = [];
    let n = 0;
    const publishSome = async (count) => {
      for (const end = n + count; n < end; n++) {
        sent.push(await publish(gateways.other, channel, "n", { n }));
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await publishSome(20);
    await waitForCount(page, 20);
    await gateways.first.stop();
    await publishSome(20); // while the page's gateway is away
    await gateways.restart();
    await publishSome(TOTAL - 40);
    await waitForCount(page, TOTAL);
    await page.waitForTimeout(300); // anything duplicated would have arrived by now

    assert.deepEqual(await readNumbers(page), [...Array(TOTAL).keys()]);
    assert.deepEqual(JSON.parse(await text(page, "#ids")), sent);
    assert.equal(await text(page, "#connection"), "open");
    assert.equal(await text(page, "#connections"), "2");
    assert.equal(await text(page, "#gap"), "");
    assert.ok(tokens >= 2, `the token route was asked ${tokens} times`);
    const errors = await page.evaluate(() => window.__errors);
    assert.ok(errors.some((e) => e.startsWith("connection:")), `errors: ${errors}`);
    assert.deepEqual(await opened.problems(), []);
  });
}

test("an expired token is refused, and a fresh one is fetched for every connection", { timeout: 120_000 }, async () => {
  const channel = uniqueChannel("expiry");
  const served = [];
  let gateways;
  const { config, server } = await numbersPage("websocket", async (req, res) => {
    // The first token served has already expired; later ones live 2 s.
    const jwt = served.length === 0 ? craftToken(channel, ["n"], { exp: -30 }) : await mint(gateways.other, channel, ["n"]);
    served.push(jwt);
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(jwt);
  });
  gateways = await redisPair(server.origin, ["--token-ttl-secs", "2"]);
  Object.assign(config, { url: gateways.first.url, channel });
  const opened = await openPage(server.url, { allowNetworkLog: NETWORK_FAILURES });
  cleanups.push(opened.close);
  const { page } = opened;
  await page.waitForSelector("#connection:text-is('open')", { timeout: 20_000 });
  let errors = await page.evaluate(() => window.__errors);
  assert.equal(errors[0], "connect:token_expired", `errors: ${errors}`);
  assert.equal(served.length, 2);
  assert.equal(await page.evaluate(() => window.__tokens), 2);
  await publish(gateways.other, channel, "n", { n: 0 });
  await waitForCount(page, 1);

  // The token the open connection used expires; the connection goes on.
  await page.waitForTimeout(3_500);
  const stale = await fetch(`${gateways.first.url}/v1/realtime/sse?token=${served[1]}`);
  assert.equal(stale.status, 401);
  assert.equal((await stale.json()).code, "token_expired");
  await publish(gateways.other, channel, "n", { n: 1 });
  await waitForCount(page, 2);

  // A reconnection (the gateway restarts) asks for a fresh token, which works.
  await gateways.first.stop();
  await publish(gateways.other, channel, "n", { n: 2 });
  await gateways.restart();
  await page.waitForFunction(() => document.getElementById("connections").textContent === "2", null, { timeout: 30_000 });
  await publish(gateways.other, channel, "n", { n: 3 });
  await waitForCount(page, 4);
  assert.deepEqual(await readNumbers(page), [0, 1, 2, 3]);
  assert.ok(served.length >= 3, `tokens served: ${served.length}`);
  assert.equal(await page.evaluate(() => window.__tokens), served.length);
  errors = await page.evaluate(() => window.__errors);
  assert.ok(!errors.slice(1).includes("connect:token_expired"), `a later token was refused: ${errors}`);
  assert.equal(await text(page, "#error"), "");
  assert.deepEqual(await opened.problems(), []);
});
