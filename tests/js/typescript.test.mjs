// The TypeScript export (`channels.ts`) type-checked by the TypeScript compiler:
// a consumer that uses it correctly passes `tsc --strict`; consumers that publish a wrong
// payload, to a missing topic, with a wrong parameter type or another channel's name fail
// with the expected error; the demo page's script passes `tsc --checkJs --strict`; the
// language service (what editors show) reports the uses of a deprecated topic.
//
// The client bindings (`client.ts`, `realtime schema --format client`) likewise: a
// consumer that subscribes correctly passes `tsc --strict` (and the client's own stricter
// options); consumers that ask for another channel's topic, misread a payload field or a
// stream chunk, read `data` without narrowing on `topic`, give a wrong parameter or another
// channel's name, expect a topic they did not ask for, or validate a topic the channel does
// not have fail with the expected error. `typed-realtime-client` resolves to the client's
// sources in clients/typescript/src (a `paths` mapping), so no build of the client is needed.
//
// The consumers' declarations come from `cargo test --test typescript_export --all-features`,
// which writes every channel of that test binary to target/realtime-export/channels.ts (or
// $REALTIME_TS_EXPORT). The demo page is checked against the TypeScript output of
// `realtime schema` (the binary at $REALTIME_BIN, default target/debug/realtime, built by
// `cargo build --bins`), whose one channel is the demo's.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import ts from "typescript";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const tsDir = path.join(root, "tests/ts");
const pageScript = path.join(root, "realtime-cli/src/demo/page.js");
const tsc = path.join(here, "node_modules/.bin/tsc");
const exported = process.env.REALTIME_TS_EXPORT || path.join(root, "target/realtime-export/channels.ts");
const exportedClient = path.join(path.dirname(exported), "client.ts");
const clientSources = path.join(root, "clients/typescript/src/index.ts");
// Relative to the working directory, as given; commands below run from the repository root.
const bin = path.resolve(process.env.REALTIME_BIN || path.join(root, "target/debug/realtime"));

/** Every command is bounded: a hung compiler fails the test instead of stalling it. */
const TIMEOUT_MS = 120_000;

/** Runs a command; resolves with its exit code and output, whatever the exit code. */
function run(file, args, cwd) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: TIMEOUT_MS, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") return reject(err);
      resolve({ code: err ? err.code : 0, output: `${stdout}${stderr}` });
    });
  });
}

const CHECK_JS = [
  "--allowJs", "--checkJs", "--strict", "--noEmit",
  "--target", "ES2022", "--lib", "ES2022,DOM",
  "--module", "ES2022", "--moduleResolution", "bundler",
];

let scratch;

/** A fresh scratch directory holding `channels.ts` and the given files (name → source path). */
function workspace(name, channelsTs, files) {
  const dir = path.join(scratch, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [to, from] of Object.entries(files)) copyFileSync(from, path.join(dir, to));
  copyFileSync(channelsTs, path.join(dir, "channels.ts"));
  return dir;
}

before(() => {
  assert.ok(existsSync(tsc), `no TypeScript compiler at ${tsc}: run npm ci in tests/js`);
  assert.ok(
    existsSync(exported),
    `no ${exported}: run \`cargo test --test typescript_export\` first (it writes the declarations)`,
  );
  scratch = mkdtempSync(path.join(tmpdir(), "realtime-ts-"));
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test("a consumer that uses the declarations correctly passes tsc --strict", async () => {
  const dir = workspace("ok", exported, {
    "tsconfig.json": path.join(tsDir, "tsconfig.json"),
    "consumer_ok.ts": path.join(tsDir, "consumer_ok.ts"),
  });
  const { code, output } = await run(tsc, ["-p", "tsconfig.json"], dir);
  assert.equal(code, 0, `tsc failed:\n${output}`);
});

// Each consumer makes one mistake that Rust would catch too, and must fail with this code.
const BAD = {
  "consumer_bad_payload.ts": { code: "TS2322", says: "Type 'string' is not assignable to type 'number'" },
  "consumer_bad_topic.ts": { code: "TS2345", says: `'"progress"' is not assignable to parameter of type 'DemoTopic'` },
  "consumer_bad_param.ts": { code: "TS2322", says: "Type 'string' is not assignable to type 'number'" },
  "consumer_bad_name.ts": { code: "TS2345", says: "'`pipeline:${string}`' is not assignable to parameter of type '`demo:${string}`'" },
};

for (const [file, expected] of Object.entries(BAD)) {
  test(`${file} fails to type-check with ${expected.code}`, async () => {
    const dir = workspace(file.replace(/\W/g, "_"), exported, { [file]: path.join(tsDir, file) });
    const { code, output } = await run(
      tsc,
      ["--strict", "--noEmit", "--target", "ES2022", "--module", "ES2022", "--moduleResolution", "bundler", file],
      dir,
    );
    assert.notEqual(code, 0, `tsc accepted ${file}:\n${output}`);
    assert.match(output, new RegExp(`^${file.replace(".", "\\.")}\\(\\d+,\\d+\\): error ${expected.code}:`, "m"), output);
    assert.ok(output.includes(expected.says), `expected "${expected.says}" in:\n${output}`);
    assert.doesNotMatch(output, /channels\.ts\(/, "the declarations themselves must be error-free");
  });
}

test("the language service reports the uses of a deprecated topic's member and payload type", () => {
  const dir = workspace("deprecated", exported, {
    "consumer_deprecated.ts": path.join(tsDir, "consumer_deprecated.ts"),
  });
  const consumer = path.join(dir, "consumer_deprecated.ts");
  const options = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const service = ts.createLanguageService(
    {
      getScriptFileNames: () => [consumer, path.join(dir, "channels.ts")],
      getScriptVersion: () => "1",
      getScriptSnapshot: (file) =>
        existsSync(file) ? ts.ScriptSnapshot.fromString(readFileSync(file, "utf8")) : undefined,
      getCurrentDirectory: () => dir,
      getCompilationSettings: () => options,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    },
    ts.createDocumentRegistry(),
  );
  const text = (d) => ts.flattenDiagnosticMessageText(d.messageText, "\n");
  const errors = [...service.getSyntacticDiagnostics(consumer), ...service.getSemanticDiagnostics(consumer)];
  assert.deepEqual(errors.map(text), [], "a deprecated topic still type-checks");
  const deprecated = service
    .getSuggestionDiagnostics(consumer)
    .filter((d) => d.reportsDeprecated)
    .map((d) => `${text(d)} at ${d.start}`);
  const at = (needle) => readFileSync(consumer, "utf8").lastIndexOf(needle);
  for (const [name, needle] of [["BuildLine", "BuildLine ="], ["line", "line,"], ["raw", "raw]"]]) {
    assert.ok(
      deprecated.includes(`'${name}' is deprecated. at ${at(needle)}`),
      `no deprecation of ${name}: ${deprecated.join("; ")}`,
    );
  }
  assert.equal(deprecated.length, 4, `only the deprecated topic's uses (and its import): ${deprecated.join("; ")}`);
});

/** The declarations `realtime schema --format typescript` writes: the demo's channel. */
let cliExport;
function cliChannelsTs() {
  cliExport ??= (async () => {
    assert.ok(existsSync(bin), `no binary at ${bin}: run \`cargo build --bins\` first (or set REALTIME_BIN)`);
    const out = mkdtempSync(path.join(scratch, "cli-"));
    const { code, output } = await run(bin, ["schema", "--format", "typescript", "--out", out], root);
    assert.equal(code, 0, `realtime schema failed:\n${output}`);
    const channelsTs = path.join(out, "channels.ts");
    assert.ok(existsSync(channelsTs), `no channels.ts in ${out}:\n${output}`);
    return channelsTs;
  })();
  return cliExport;
}

test("`realtime schema --format typescript` declares the demo channel, and the demo page's script passes tsc --checkJs --strict against it", async () => {
  const channelsTs = await cliChannelsTs();
  assert.match(readFileSync(channelsTs, "utf8"), /export type DemoMessage = /);
  const dir = workspace("cli_page", channelsTs, { "page.js": pageScript });
  const checked = await run(tsc, [...CHECK_JS, "page.js"], dir);
  assert.equal(checked.code, 0, `tsc --checkJs failed against the CLI's output:\n${checked.output}`);
});

test("a demo page script that misreads a payload field fails --checkJs", async () => {
  const dir = workspace("page_bad", await cliChannelsTs(), {});
  const source = readFileSync(pageScript, "utf8");
  const broken = source.replace("msg.data.stage", "msg.data.stag");
  assert.notEqual(broken, source, "page.js no longer reads msg.data.stage; update this test");
  writeFileSync(path.join(dir, "page.js"), broken);
  const { code, output } = await run(tsc, [...CHECK_JS, "page.js"], dir);
  assert.notEqual(code, 0, `tsc accepted a misspelled field:\n${output}`);
  assert.match(output, /error TS2551: Property 'stag' does not exist on type 'DemoStatus'/);
});

// ---- The client bindings (`client.ts`) ----

/** The options of tests/ts/tsconfig.json, and `typed-realtime-client` mapped to its sources. */
function clientTsconfig(files, extra = {}) {
  const base = JSON.parse(readFileSync(path.join(tsDir, "tsconfig.json"), "utf8"));
  return JSON.stringify({
    compilerOptions: {
      ...base.compilerOptions,
      paths: { "typed-realtime-client": [clientSources] },
      ...extra,
    },
    files,
  });
}

/** A scratch directory holding `client.ts` (from `clientTs`), the given consumers and a tsconfig.json. */
function clientWorkspace(name, clientTs, files, extra) {
  const dir = path.join(scratch, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [to, from] of Object.entries(files)) copyFileSync(from, path.join(dir, to));
  copyFileSync(clientTs, path.join(dir, "client.ts"));
  writeFileSync(path.join(dir, "tsconfig.json"), clientTsconfig(Object.keys(files), extra));
  return dir;
}

/** The client's own stricter compiler options (clients/typescript/tsconfig.json). */
const CLIENT_STRICTNESS = {
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  isolatedModules: true,
  verbatimModuleSyntax: true,
};

test("a consumer of the client bindings passes tsc --strict, and the client's stricter options", async () => {
  assert.ok(existsSync(exportedClient), `no ${exportedClient}: run \`cargo test --test typescript_export\` first`);
  for (const [name, extra] of [["client_ok", {}], ["client_ok_stricter", CLIENT_STRICTNESS]]) {
    const dir = clientWorkspace(name, exportedClient, { "client_ok.ts": path.join(tsDir, "client_ok.ts") }, extra);
    const { code, output } = await run(tsc, ["-p", "tsconfig.json"], dir);
    assert.equal(code, 0, `tsc failed (${name}):\n${output}`);
  }
});

// Each consumer misuses the bindings once, and must fail with this code and message.
const CLIENT_BAD = {
  "client_bad_topic.ts": { code: "TS2322", says: `Type '"llm_tokens"' is not assignable to type 'DemoTopic'` },
  "client_bad_payload.ts": { code: "TS2551", says: "Property 'stag' does not exist on type 'DemoStatus'. Did you mean 'stage'?" },
  "client_bad_param.ts": { code: "TS2322", says: "Type 'string' is not assignable to type 'number'" },
  "client_bad_name.ts": { code: "TS2345", says: "Argument of type '`pipeline:${string}`' is not assignable to parameter of type '`demo:${string}` | DemoChannelParams'" },
  "client_bad_stream.ts": { code: "TS2339", says: "Property 'percent' does not exist on type 'string'" },
  "client_bad_unnarrowed.ts": { code: "TS2339", says: "Property 'percent' does not exist on type 'DemoLog'." },
  "client_bad_unasked.ts": { code: "TS2367", says: `the types '"status"' and '"log"' have no overlap` },
  "client_bad_validator.ts": { code: "TS2353", says: "'progress' does not exist in type 'DemoValidators'" },
};

for (const [file, expected] of Object.entries(CLIENT_BAD)) {
  test(`${file} fails to type-check with ${expected.code}`, async () => {
    const dir = clientWorkspace(file.replace(/\W/g, "_"), exportedClient, { [file]: path.join(tsDir, file) });
    const { code, output } = await run(tsc, ["-p", "tsconfig.json"], dir);
    assert.notEqual(code, 0, `tsc accepted ${file}:\n${output}`);
    assert.match(output, new RegExp(`^${file.replace(".", "\\.")}\\(\\d+,\\d+\\): error ${expected.code}:`, "m"), output);
    assert.ok(output.includes(expected.says), `expected "${expected.says}" in:\n${output}`);
    assert.doesNotMatch(output, /^(client\.ts|.*clients\/typescript\/src\/.*)\(/m, "the bindings and the client must be error-free");
  });
}

test("`realtime schema --format client` writes client.ts for the demo channel, importing the client from --client-import", async () => {
  assert.ok(existsSync(bin), `no binary at ${bin}: run \`cargo build --bins\` first (or set REALTIME_BIN)`);
  const out = mkdtempSync(path.join(scratch, "cli-client-"));
  const { code, output } = await run(
    bin,
    ["schema", "--format", "client", "--client-import", "typed-realtime-client", "--out", out],
    root,
  );
  assert.equal(code, 0, `realtime schema failed:\n${output}`);
  const clientTs = path.join(out, "client.ts");
  const text = readFileSync(clientTs, "utf8");
  assert.match(text, /^import \* as realtimeClient from "typed-realtime-client";$/m);
  assert.match(text, /^export function subscribeDemo</m);
  const consumer = path.join(out, "consumer.ts");
  writeFileSync(
    consumer,
    `import { subscribeDemo } from "./client";
export async function percents(): Promise<number[]> {
  const seen: number[] = [];
  for await (const item of subscribeDemo({ run_id: "r1" }, { url: "http://127.0.0.1:8288", topics: ["status"], token: "t" })) {
    if (item.kind === "data") seen.push(item.data.percent);
  }
  return seen;
}
`,
  );
  const dir = clientWorkspace("cli_client", clientTs, { "consumer.ts": consumer }, CLIENT_STRICTNESS);
  const checked = await run(tsc, ["-p", "tsconfig.json"], dir);
  assert.equal(checked.code, 0, `tsc failed against the CLI's client.ts:\n${checked.output}`);
});
