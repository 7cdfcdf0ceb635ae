// Measures, in headless Chromium (playwright-core, /usr/bin/chromium or CHROMIUM_BIN):
//   1. messages per second through a client's WebSocket path: a local server sends N data
//      frames, exactly as the gateway writes them, as fast as it can to a page subscribed with
//      our client, then with the official `inngest` SDK's realtime `subscribe` (when
//      ../../tests/js/node_modules has it), on the same page and machine; the rate is counted
//      in the page from the first message delivered to the last;
//   2. our decode function alone (frame text → envelope), on the same frames;
//   3. the bundle sizes: dist/index.js and dist/react.js as shipped (minified) and gzipped, and
//      the inngest SDK's realtime `subscribe` bundled for the browser by esbuild the same way.
// The frame template is taken from a real gateway (REALTIME_BIN, default
// ../../target/debug/realtime) when one can run, else built in. Run `npm run build` first.
// Usage: node bench/decode.mjs [N]   (default 20000 messages; 5 runs each, median printed)
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";
import { WebSocketServer, WebSocket } from "ws";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const inngestModules = path.resolve(root, "../../tests/js/node_modules");
const hasInngest = existsSync(path.join(inngestModules, "inngest/package.json"));
const N = Number(process.argv[2] || 20_000);
const RUNS = 5;
const CHANNEL = "bench:1";
const KEY = "signkey-bench-0badc0de";

for (const f of ["dist/index.js", "dist/react.js"]) {
  if (!existsSync(path.join(root, f))) {
    console.error(`no ${f}: run \`npm run build\` first`);
    process.exit(1);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** One data frame as the gateway writes it, from a real gateway when possible. */
async function frameTemplate() {
  const bin = process.env.REALTIME_BIN || path.resolve(root, "../../target/debug/realtime");
  const fallback = {
    kind: "data", channel: CHANNEL, topic: "bench", data: null, id: "0-0",
    created_at: new Date().toISOString(), run_id: "run-bench", fn_id: "fn-bench",
  };
  if (!existsSync(bin)) return { template: fallback, source: "built in (no gateway binary)" };
  const child = spawn(bin, ["serve", "--addr", "127.0.0.1:0", "--signing-key", KEY], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`gateway did not start: ${out}`)), 20_000);
      child.stdout.on("data", (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.stderr.on("data", (d) => (out += d));
    });
    const tokenResponse = await fetch(`${url}/v1/realtime/token`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify([{ channel: CHANNEL, name: "bench" }]),
    });
    const { jwt } = await tokenResponse.json();
    const ws = new WebSocket(`${url.replace("http", "ws")}/v1/realtime/connect?token=${jwt}`);
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const frame = new Promise((resolve) => ws.on("message", (d) => {
      const f = JSON.parse(d.toString());
      if (f.kind === "data") resolve(f);
    }));
    await fetch(`${url}/v1/realtime/publish?channel=${encodeURIComponent(CHANNEL)}&topic=bench&run_id=run-bench&fn_id=fn-bench`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: "{}",
    });
    const template = await frame;
    ws.close();
    return { template, source: `a real gateway, ${bin}` };
  } finally {
    child.kill("SIGTERM");
  }
}

function frames(template, n) {
  const ms = Date.now();
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = JSON.stringify({ ...template, id: `${ms}-${i}`, data: { n: i, stage: "Embedding", percent: i % 101, line: `message ${i} of ${n}` } });
  }
  return out;
}

async function bundlePage() {
  const result = await esbuild.build({
    entryPoints: [path.join(here, "page.js")],
    // Without the SDK installed, its import is a stub and only our client is measured.
    plugins: hasInngest ? [] : [{
      name: "no-inngest",
      setup(build) {
        build.onResolve({ filter: /^inngest\/realtime$/ }, () => ({ path: "inngest", namespace: "stub" }));
        build.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export function subscribe() { throw new Error('no inngest'); }" }));
      },
    }],
    bundle: true, write: false, format: "esm", target: "es2020", minify: true, platform: "browser",
    alias: { "typed-realtime-client": path.join(root, "dist/index.js") },
    nodePaths: [path.join(root, "node_modules"), inngestModules],
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "error",
  });
  return result.outputFiles[0].text;
}

async function sizeOfInngestSubscribe() {
  const result = await esbuild.build({
    stdin: { contents: 'export { subscribe } from "inngest/realtime";', resolveDir: root },
    bundle: true, write: false, format: "esm", target: "es2020", minify: true, platform: "browser",
    nodePaths: [inngestModules], define: { "process.env.NODE_ENV": '"production"' }, logLevel: "error",
  });
  return result.outputFiles[0].contents;
}

const { template, source } = await frameTemplate();
const all = frames(template, N);
const script = await bundlePage();

// The page and the frame source on one loopback server: every WebSocket on the connect
// route gets the N frames at once.
const server = createServer((req, res) => {
  if (req.url === "/favicon.ico") {
    res.writeHead(204);
    res.end();
  } else if (req.url === "/") {
    res.writeHead(200, { "content-type": "text/html" });
    res.end('<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/page.js"></script>');
  } else if (req.url === "/page.js") {
    res.writeHead(200, { "content-type": "text/javascript" });
    res.end(script);
  } else {
    res.writeHead(404);
    res.end();
  }
});
const wss = new WebSocketServer({ noServer: true });
server.on("upgrade", (req, socket, head) => {
  if (!req.url.startsWith("/v1/realtime/connect")) return socket.destroy();
  wss.handleUpgrade(req, socket, head, (ws) => {
    for (const f of all) ws.send(f);
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const results = {};
const version = browser.version();
try {
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  await page.goto(origin);
  await page.waitForFunction(() => window.benchReady === true);
  const clients = hasInngest ? ["realtime-rs", "inngest"] : ["realtime-rs"];
  for (const name of clients) {
    const rates = [];
    for (let run = 0; run <= RUNS; run++) {
      const r = await page.evaluate(([name, url, channel, n]) => window.bench.run(name, url, channel, n), [name, origin, CHANNEL, N]);
      if (run > 0) rates.push(r.perSecond); // run 0 warms up
    }
    results[name] = rates;
  }
  const decodeRates = [];
  for (let run = 0; run <= RUNS; run++) {
    const r = await page.evaluate(([frames]) => window.bench.decode(frames, 5), [all]);
    if (run > 0) decodeRates.push(r.perSecond);
  }
  results.decode = decodeRates;
  if (problems.length) console.warn("page problems:", problems);
} finally {
  await browser.close();
  server.close();
  wss.close();
}

const fmt = (x) => Math.round(x).toLocaleString("en-US");
console.log(`# typed-realtime-client in headless Chromium ${version}`.trim());
console.log(`frames: ${N} data frames of ${all[0].length} bytes (template from ${source}); ${RUNS} runs after a warm-up, median (min–max)`);
console.log("");
console.log("| what | messages/s |");
console.log("| --- | ---: |");
const row = (label, rates) => console.log(`| ${label} | ${fmt(median(rates))} (${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}) |`);
row("realtime-rs client, WebSocket → `onItem` (`subscribe`, callback form)", results["realtime-rs"]);
if (results.inngest) {
  const v = JSON.parse(readFileSync(path.join(inngestModules, "inngest/package.json"), "utf8")).version;
  row(`inngest ${v} \`subscribe\` from \`inngest/realtime\`, WebSocket → \`onMessage\``, results.inngest);
}
row("realtime-rs decode function alone (`fromWsText`, frame text → envelope)", results.decode);
console.log("");
console.log("| bundle | minified | gzipped |");
console.log("| --- | ---: | ---: |");
for (const f of ["dist/index.js", "dist/react.js"]) {
  const bytes = readFileSync(path.join(root, f));
  console.log(`| ${f} | ${kb(bytes.length)} | ${kb(gzipSync(bytes, { level: 9 }).length)} |`);
}
if (hasInngest) {
  const bytes = await sizeOfInngestSubscribe();
  console.log(`| inngest \`subscribe\` from \`inngest/realtime\`, bundled by esbuild for the browser | ${kb(bytes.length)} | ${kb(gzipSync(bytes, { level: 9 }).length)} |`);
}
