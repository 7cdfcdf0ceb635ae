// Browser test harness: a page bundled with esbuild at test time (from test/browser/pages/,
// importing the built dist/ through the package's own names), served by a tiny HTTP server
// on 127.0.0.1, and opened in real headless Chromium driven by playwright-core. Every page
// records console errors, page errors and unhandled rejections; `problems()` returns them.
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { after, before } from "node:test";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const executablePath = process.env.CHROMIUM_BIN || "/usr/bin/chromium";

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
});
after(async () => {
  await browser?.close();
});

export function getBrowser() {
  return browser;
}

/** Bundles `test/browser/pages/<name>` for the browser: React from node_modules, the client
 * from dist/ (as an application would import it). */
export async function bundle(name, { minify = false } = {}) {
  const result = await esbuild.build({
    entryPoints: [path.join(here, "pages", name)],
    bundle: true,
    write: false,
    format: "esm",
    target: "es2020",
    minify,
    jsx: "automatic",
    define: { "process.env.NODE_ENV": JSON.stringify(minify ? "production" : "development") },
    alias: {
      "@realtime-rs/client/react": path.join(root, "dist/react.js"),
      "@realtime-rs/client": path.join(root, "dist/index.js"),
    },
    nodePaths: [path.join(root, "node_modules")],
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

/**
 * Serves the page: `/` is an HTML page that sets `window.config` and loads `/app.js`;
 * `routes` maps other paths to `(req, res) => ...` handlers (e.g. a token endpoint).
 * `config` is read at each request of `/`. Returns { url, origin, close() }.
 */
export async function servePage(script, config, routes = {}) {
  // Rendered at each request: the test may fill `config` after the server starts.
  const html = () => `<!doctype html><html><head><meta charset="utf-8"><title>test</title></head><body>
<div id="root"></div>
<script>window.config = ${JSON.stringify(config).replace(/</g, "\\u003c")};</script>
<script type="module" src="/app.js"></script></body></html>`;
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(html());
    } else if (url.pathname === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      res.end(script);
    } else if (url.pathname === "/favicon.ico") {
      res.writeHead(204);
      res.end();
    } else if (routes[url.pathname]) {
      Promise.resolve(routes[url.pathname](req, res, url)).catch((e) => {
        res.writeHead(500);
        res.end(String(e));
      });
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${origin}/`,
    origin,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Opens `url` in a fresh context. `allowNetworkLog` lists patterns of Chromium's own network
 * log lines (a refused WebSocket handshake, a resource that failed to load) that the test
 * expects, e.g. while a gateway restarts: those are the browser's reports of connections the
 * test breaks on purpose, not errors of the page. Anything else at error level fails.
 */
export async function openPage(url, { allowNetworkLog = [] } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  const networkLog = [];
  page.on("pageerror", (err) => errors.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    if (allowNetworkLog.some((re) => re.test(text))) networkLog.push(text);
    else errors.push(`console error: ${text}`);
  });
  const websockets = [];
  page.on("websocket", (ws) => websockets.push(ws.url()));
  await page.addInitScript(() => {
    window.__rejections = [];
    window.addEventListener("unhandledrejection", (e) => window.__rejections.push(String(e.reason?.stack ?? e.reason)));
    window.addEventListener("error", (e) => window.__rejections.push(`error: ${e.message}`));
  });
  await page.goto(url);
  return {
    page,
    websockets,
    networkLog,
    /** Console errors, page errors, unhandled rejections: all should be empty. */
    async problems() {
      const rejections = page.isClosed() ? [] : await page.evaluate(() => window.__rejections);
      return [...errors, ...rejections.map((r) => `unhandled: ${r}`)];
    },
    close: () => context.close(),
  };
}

/** Chromium's log lines for connections refused while a gateway is away or a token is refused. */
export const NETWORK_FAILURES = [
  /^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime\/connect\?.*' failed/,
  /^Failed to load resource: net::ERR_CONNECTION_REFUSED$/,
  /^Failed to load resource: the server responded with a status of 401/,
];
