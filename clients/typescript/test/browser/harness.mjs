// Browser test harness: a page bundled with esbuild at test time (from test/browser/pages/,
// importing the built dist/ through the package's own names), served by a tiny HTTP server
// on 127.0.0.1, and opened in real headless Chromium driven by playwright-core. Every page
// records console errors, page errors and unhandled rejections; `problems()` returns them.
//
// TypeScript pages (`.tsx`) import the bindings the gateway binary generates at test time
// (`realtime schema --format client`, and ajv validators from `--format jsonschema`) as
// `realtime-bindings/client` and `realtime-bindings/validators`; nothing generated is
// committed. They are type-checked with `tsc --strict --noEmit` before they are bundled.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { after, before } from "node:test";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";
import { stopChild } from "../helpers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const executablePath = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const workspace = path.resolve(root, "../..");
/** The gateway binary (`realtime`), whose schema export gives the demo channel's bindings. */
export const REALTIME_BIN = path.resolve(process.env.REALTIME_BIN || path.join(workspace, "target/debug/realtime"));
/** An application's own command line (realtime-cli/examples/app_cli.rs): its only channel is
 * `chat:<room>`, so as a gateway it cannot check what is published to `demo:*`. */
export const REALTIME_APP_BIN = path.resolve(
  process.env.REALTIME_APP_BIN || path.join(workspace, "target/debug/examples/app_cli"),
);
const testsJs = path.join(workspace, "tests/js");
const tsc = path.join(root, "node_modules/.bin/tsc");

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
});
/** The directories `generateBindings` made, removed after the test file. */
const generatedDirs = [];
after(async () => {
  await browser?.close();
  for (const dir of generatedDirs) rmSync(dir, { recursive: true, force: true });
});

export function getBrowser() {
  return browser;
}

function run(file, args, cwd) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") return reject(err);
      resolve({ code: err ? err.code : 0, output: `${stdout}${stderr}` });
    });
  });
}

/**
 * Generates the bindings into a fresh temporary directory (removed after the test file):
 * `client.ts` from `$REALTIME_BIN schema --format client`, `channels.schema.json` from
 * `--format jsonschema`, and with `validators`, `validators.js` and `validators.d.ts` from
 * tests/js/scripts/gen-validators.mjs (ajv, from tests/js/node_modules). Returns the directory.
 */
export async function generateBindings({ validators = false } = {}) {
  if (!existsSync(REALTIME_BIN)) {
    throw new Error(`no gateway binary at ${REALTIME_BIN}: build it (cargo build --bin realtime) or set REALTIME_BIN`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), "realtime-browser-bindings-"));
  generatedDirs.push(dir);
  const exported = await run(REALTIME_BIN, ["schema", "--format", "client", "--format", "jsonschema", "--out", dir], root);
  if (exported.code !== 0) throw new Error(`${REALTIME_BIN} schema failed:\n${exported.output}`);
  if (validators) {
    if (!existsSync(path.join(testsJs, "node_modules/ajv"))) {
      throw new Error(`no ajv in ${testsJs}/node_modules, which gen-validators.mjs needs: run \`npm ci\` in tests/js`);
    }
    const generator = path.join(testsJs, "scripts/gen-validators.mjs");
    const generated = await run(process.execPath, [generator, path.join(dir, "channels.schema.json"), path.join(dir, "validators.js")], testsJs);
    if (generated.code !== 0) throw new Error(`gen-validators.mjs failed:\n${generated.output}`);
  }
  return dir;
}

/**
 * Type-checks one page with `tsc --strict --noEmit` (and the client's other strict options):
 * the client from its sources, the bindings from `bindings` (see `generateBindings`), React's
 * types from this package's node_modules. Returns tsc's exit code and output.
 */
export async function typecheck(file, bindings) {
  const config = path.join(bindings, `tsconfig.${path.basename(file)}.json`);
  writeFileSync(
    config,
    JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          noEmit: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          verbatimModuleSyntax: true,
          isolatedModules: true,
          target: "es2020",
          module: "esnext",
          moduleResolution: "bundler",
          lib: ["es2020", "dom"],
          jsx: "react-jsx",
          skipLibCheck: true,
          types: [],
          paths: {
            "typed-realtime-client": [path.join(root, "src/index.ts")],
            "typed-realtime-client/react": [path.join(root, "src/react.ts")],
            "realtime-bindings/client": [path.join(bindings, "client.ts")],
            "realtime-bindings/validators": [path.join(bindings, "validators")], // validators.d.ts
            // React and its types, for a page outside this package (a copy in `bindings`).
            "*": [path.join(root, "node_modules/@types/*"), path.join(root, "node_modules/*")],
          },
        },
        files: [file],
      },
      null,
      2,
    ),
  );
  return run(tsc, ["-p", config], bindings);
}

/** Bundles `test/browser/pages/<name>` for the browser: React from node_modules, the client
 * from dist/ (as an application would import it). A `.tsx` page needs `bindings` (a directory
 * from `generateBindings`), and is type-checked first: a type error fails the bundle. */
export async function bundle(name, { minify = false, bindings } = {}) {
  const entry = path.join(here, "pages", name);
  const alias = {
    "typed-realtime-client/react": path.join(root, "dist/react.js"),
    "typed-realtime-client": path.join(root, "dist/index.js"),
  };
  if (name.endsWith(".tsx")) {
    if (!bindings) throw new Error(`${name} imports generated bindings: pass { bindings: await generateBindings() }`);
    const checked = await typecheck(entry, bindings);
    if (checked.code !== 0) throw new Error(`tsc --strict failed on ${name}:\n${checked.output}`);
    alias["realtime-bindings/client"] = path.join(bindings, "client.ts");
    if (existsSync(path.join(bindings, "validators.js"))) alias["realtime-bindings/validators"] = path.join(bindings, "validators.js");
  }
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    target: "es2020",
    minify,
    jsx: "automatic",
    define: { "process.env.NODE_ENV": JSON.stringify(minify ? "production" : "development") },
    alias,
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

/**
 * Runs the application's command line (`REALTIME_APP_BIN serve --addr 127.0.0.1:0 ...args`)
 * and resolves once it prints `listening on http://ADDR`. Fails with a clear message when
 * the binary is missing: nothing is skipped.
 */
export async function startAppGateway(args = []) {
  if (!existsSync(REALTIME_APP_BIN)) {
    throw new Error(
      `no application binary at ${REALTIME_APP_BIN}: build it (cargo build -p typed-realtime-cli --example app_cli) or set REALTIME_APP_BIN`,
    );
  }
  const child = spawn(REALTIME_APP_BIN, ["serve", "--addr", "127.0.0.1:0", ...args], {
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${REALTIME_APP_BIN} did not start in 20 s:\n${output}`)), 20_000);
    const onData = (d) => {
      output += d;
      const m = /^listening on (http:\/\/\S+)\r?\n/m.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d) => (output += d));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${REALTIME_APP_BIN} (set REALTIME_APP_BIN): ${e.message}`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${REALTIME_APP_BIN} exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners("exit");
  return {
    url,
    output: () => output,
    stop: () => stopChild(child),
  };
}
