// Payload validation in the browser, opt-in: the standalone validators that
// scripts/gen-validators.mjs generates from `realtime schema --format jsonschema` (ajv's
// standalone code), given to the client bindings of `realtime schema --format client` as
// `validate`. For the demo channel: the validators accept a good status payload and reject
// a bad one; a consumer passing them to `subscribeDemo` type-checks; and, run against a
// scripted WebSocket, a message that fails its schema arrives as a `validation` error item
// and never as data, and a stream chunk that fails ends its stream with a
// `PayloadValidationError`.
//
// Needs the binary ($REALTIME_BIN, default target/debug/realtime: `cargo build --bins`)
// and the client's bundle (clients/typescript/dist: `npm ci && npm run build` there).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import ts from "typescript";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const tsc = path.join(here, "node_modules/.bin/tsc");
const bin = path.resolve(process.env.REALTIME_BIN || path.join(root, "target/debug/realtime"));
const clientBundle = path.join(root, "clients/typescript/dist/index.js");
const clientSources = path.join(root, "clients/typescript/src/index.ts");
const generator = path.join(here, "scripts/gen-validators.mjs");

function run(file, args, cwd) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") return reject(err);
      resolve({ code: err ? err.code : 0, output: `${stdout}${stderr}` });
    });
  });
}

let dir;

before(async () => {
  assert.ok(existsSync(bin), `no binary at ${bin}: run \`cargo build --bins\` first (or set REALTIME_BIN)`);
  dir = mkdtempSync(path.join(tmpdir(), "realtime-validators-"));
  const exported = await run(bin, ["schema", "--format", "jsonschema", "--format", "client", "--out", dir], root);
  assert.equal(exported.code, 0, exported.output);
  const generated = await run(process.execPath, [generator, path.join(dir, "channels.schema.json"), path.join(dir, "validators.js")], here);
  assert.equal(generated.code, 0, generated.output);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the generated validators accept a good demo status and reject a bad one, with ajv's errors", async () => {
  const source = readFileSync(path.join(dir, "validators.js"), "utf8");
  assert.doesNotMatch(source, /\brequire\(|^import /m, "the module is self-contained");
  const { Demo } = await import(pathToFileURL(path.join(dir, "validators.js")).href);
  assert.deepEqual(Object.keys(Demo).sort(), ["log", "status", "summary"]);
  assert.equal(Demo.status({ stage: "Drafting", percent: 75 }), true);
  for (const bad of [{ stage: "Drafting", percent: "75" }, { stage: "Drafting", percent: 101 }, { stage: "Drafting" }, "75"]) {
    assert.equal(Demo.status(bad), false, JSON.stringify(bad));
    assert.ok(Array.isArray(Demo.status.errors) && Demo.status.errors.length > 0);
  }
  assert.equal(Demo.status({ stage: "x", percent: 2.5 }), false, "uint8 is an integer");
  assert.equal(Demo.summary("word "), true);
  assert.equal(Demo.summary(5), false);
});

test("a consumer passing the validators to subscribeDemo type-checks with --strict and the client's options", async () => {
  writeFileSync(
    path.join(dir, "consumer.ts"),
    `import { subscribeDemo, type ValidationErrorItem } from "./client";
import { Demo } from "./validators.js";
export async function percents(): Promise<number[]> {
  const seen: number[] = [];
  const errors: ValidationErrorItem[] = [];
  for await (const item of subscribeDemo({ run_id: "r1" }, { url: "http://x", topics: ["status"], token: "t", validate: Demo })) {
    if (item.kind === "data") seen.push(item.data.percent);
    else if (item.kind === "error" && item.source === "validation") errors.push(item);
  }
  return seen;
}
`,
  );
  writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: "ES2022", module: "ES2022", moduleResolution: "Bundler",
        lib: ["ES2022", "DOM"], skipLibCheck: true, types: [],
        noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, verbatimModuleSyntax: true, isolatedModules: true,
        paths: { "typed-realtime-client": [clientSources] },
      },
      files: ["consumer.ts"],
    }),
  );
  const { code, output } = await run(tsc, ["-p", "tsconfig.json"], dir);
  assert.equal(code, 0, `tsc failed:\n${output}`);
});

/** client.ts as JavaScript, importing the client's bundle. */
async function bindings() {
  assert.ok(existsSync(clientBundle), `no ${clientBundle}: run \`npm ci && npm run build\` in clients/typescript`);
  const source = readFileSync(path.join(dir, "client.ts"), "utf8");
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } }).outputText;
  const file = path.join(dir, "client.mjs");
  writeFileSync(file, js.replace('"typed-realtime-client"', JSON.stringify(pathToFileURL(clientBundle).href)));
  return import(pathToFileURL(file).href);
}

/** A WebSocket whose connection sends `frames`, then stays open. */
function socketSending(frames) {
  return class {
    constructor() {
      this.readyState = 0;
      this.onopen = this.onmessage = this.onerror = this.onclose = null;
      setTimeout(() => {
        this.readyState = 1;
        this.onopen?.({});
        for (const frame of frames) this.onmessage?.({ data: JSON.stringify(frame) });
      }, 1);
    }
    close() {
      this.readyState = 3;
    }
  };
}

const envelope = (id, topic, data, extra = {}) => ({ id, channel: "demo:r1", topic, data, kind: "data", created_at: "2026-01-01T00:00:00Z", ...extra });

test("with validators, a message failing its schema arrives as a validation error item, never as data", { timeout: 15_000 }, async () => {
  const { subscribeDemo, PayloadValidationError } = await bindings();
  const { Demo } = await import(pathToFileURL(path.join(dir, "validators.js")).href);
  const frames = [
    envelope("1-0", "status", { stage: "Queued", percent: 0 }),
    envelope("2-0", "status", { stage: "Broken", percent: "50" }),
    envelope("3-0", "summary", "s1", { kind: "datastream-start", stream_id: "s1" }),
    envelope("3-1", "summary", "Hello ", { kind: "chunk", stream_id: "s1" }),
    envelope("3-2", "summary", 42, { kind: "chunk", stream_id: "s1" }),
    envelope("4-0", "status", { stage: "Done", percent: 100 }),
  ];
  const sub = subscribeDemo({ run_id: "r1" }, {
    url: "http://gw.test",
    topics: ["status", "summary"],
    token: "jwt",
    WebSocket: socketSending(frames),
    validate: Demo,
  });
  const data = [];
  const invalid = [];
  let stream;
  for await (const item of sub) {
    if (item.kind === "data") data.push(item.data);
    else if (item.kind === "error" && item.source === "validation") invalid.push(item);
    else if (item.kind === "datastream") stream = item.stream;
    if (data.length === 2) break;
  }
  assert.deepEqual(data, [{ stage: "Queued", percent: 0 }, { stage: "Done", percent: 100 }]);
  assert.equal(invalid.length, 1);
  assert.equal(invalid[0].code, "schema_violation");
  assert.equal(invalid[0].topic, "status");
  assert.equal(invalid[0].id, "2-0");
  assert.equal(invalid[0].errors[0].instancePath, "/percent");
  const chunks = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })(),
    (e) => e instanceof PayloadValidationError && e.topic === "summary" && e.streamId === "s1",
  );
  assert.deepEqual(chunks, ["Hello "]);
  await sub.closed;

  // Without validators, the same bindings give the client's subscription, unchecked.
  const plain = subscribeDemo("demo:r1", { url: "http://gw.test", topics: ["status"], token: "jwt", WebSocket: socketSending(frames) });
  const seen = [];
  for await (const item of plain) {
    if (item.kind === "data") seen.push(item.id);
    if (seen.length === 3) break;
  }
  assert.deepEqual(seen, ["1-0", "2-0", "4-0"]);
});
