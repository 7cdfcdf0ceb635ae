// The JSON Schema and AsyncAPI exports, checked by independent tools: the official
// `@asyncapi/parser` must report no errors for the AsyncAPI document, and `ajv` (2020-12)
// must accept every payload serialized from the Rust types and reject every invalid one.
//
// The fixtures are written by `cargo test --test export` (tests/export.rs) into
// target/realtime-export/; scripts/test runs the Rust tests first.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { Parser, DiagnosticSeverity } from "@asyncapi/parser";
import Ajv2020 from "ajv/dist/2020.js";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const dir = join(dirname(fileURLToPath(import.meta.url)), "../../target/realtime-export");

function fixture(name) {
  const path = join(dir, name);
  if (!existsSync(path)) {
    throw new Error(
      `missing fixture ${path}: run \`cargo test -p typed-realtime --test export\` first (scripts/test does)`,
    );
  }
  return JSON.parse(readFileSync(path, "utf8"));
}

// The numeric formats schemars writes (`uint8`, `int64`, `double`, ...), checked for real.
function addNumericFormats(ajv) {
  for (const bits of [8, 16, 32, 64, 128]) {
    const umax = 2n ** BigInt(bits) - 1n;
    const imin = -(2n ** BigInt(bits - 1));
    const imax = 2n ** BigInt(bits - 1) - 1n;
    ajv.addFormat(`uint${bits}`, {
      type: "number",
      validate: (n) => Number.isInteger(n) && n >= 0 && BigInt(n) <= umax,
    });
    ajv.addFormat(`int${bits}`, {
      type: "number",
      validate: (n) => Number.isInteger(n) && BigInt(n) >= imin && BigInt(n) <= imax,
    });
  }
  ajv.addFormat("uint", { type: "number", validate: (n) => Number.isInteger(n) && n >= 0 });
  ajv.addFormat("int", { type: "number", validate: (n) => Number.isInteger(n) });
  ajv.addFormat("double", { type: "number", validate: (n) => Number.isFinite(n) });
  ajv.addFormat("float", { type: "number", validate: (n) => Number.isFinite(n) });
}

function ajv2020() {
  const ajv = new Ajv2020({ allErrors: true, strictTypes: false });
  addFormats(ajv);
  addNumericFormats(ajv);
  ajv.addKeyword("x-realtime");
  return ajv;
}

const samples = fixture("schema-samples.json");

function check(validate, group, what) {
  assert.ok(group.valid.length > 0, `${what}: no valid samples`);
  assert.ok(group.invalid.length > 0, `${what}: no invalid samples`);
  for (const sample of group.valid) {
    assert.ok(
      validate(sample),
      `${what}: valid sample rejected: ${JSON.stringify(sample)}: ${JSON.stringify(validate.errors)}`,
    );
  }
  for (const sample of group.invalid) {
    assert.ok(!validate(sample), `${what}: invalid sample accepted: ${JSON.stringify(sample)}`);
  }
}

test("the AsyncAPI document passes @asyncapi/parser with no errors", async () => {
  const doc = fixture("asyncapi.json");
  const parser = new Parser();
  const diagnostics = await parser.validate(doc);
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  assert.deepEqual(
    errors.map((d) => `${d.code} at /${d.path.join("/")}: ${d.message}`),
    [],
    "parser errors",
  );

  const { document } = await parser.parse(doc);
  assert.ok(document, "the document parses");
  assert.equal(document.version(), "3.0.0");
  assert.equal(document.channels().length, Object.keys(doc.channels).length);
  const pipeline = document.channels().get("Pipeline");
  assert.equal(pipeline.address(), "pipeline:{run_id}");
  assert.deepEqual(pipeline.parameters().all().map((p) => p.id()), ["run_id"]);
  assert.deepEqual(pipeline.messages().all().map((m) => m.name()).sort(), ["llm_tokens", "run", "status"]);
  const actions = document.operations().all().map((o) => `${o.id()}:${o.action()}`).sort();
  // Run lifecycle updates are received, never published over HTTP.
  const messagesOf = (id) => document.operations().get(id).messages().all().map((m) => m.name()).sort();
  assert.deepEqual(messagesOf("Pipeline.subscribe"), ["llm_tokens", "run", "status"]);
  assert.deepEqual(messagesOf("Pipeline.publish"), ["llm_tokens", "status"]);
  assert.ok(actions.includes("Pipeline.subscribe:receive"), actions.join(", "));
  assert.ok(actions.includes("Pipeline.publish:send"), actions.join(", "));
  const gateway = document.servers().get("gateway");
  assert.equal(gateway.protocol(), "ws");
  assert.equal(gateway.pathname(), "/v1/realtime/connect");
  const scheme = gateway.security()[0].all()[0].scheme();
  assert.equal(scheme.type(), "httpApiKey");
  assert.equal(scheme.in(), "query");
  assert.equal(scheme.name(), "token");
});

test("topic payloads validate against the bundle's schemas with ajv 2020-12", () => {
  const ajv = ajv2020();
  ajv.addSchema(fixture("channels.schema.json"), "channels.schema.json");
  for (const group of samples.payloads) {
    const pointer = `#/$defs/${group.channel}.${group.topic}`;
    const validate = ajv.compile({ $ref: `channels.schema.json${pointer}` });
    check(validate, group, `bundle ${pointer}`);
  }
});

test("topic payloads validate against each channel document with ajv 2020-12", () => {
  const ajv = ajv2020();
  for (const file of samples.documents) {
    ajv.addSchema(fixture(file), file);
  }
  for (const group of samples.payloads) {
    const file = `${group.channel}.schema.json`;
    assert.ok(samples.documents.includes(file), `no document ${file}`);
    const doc = fixture(file);
    const topic = doc["x-realtime"].topics.find((t) => t.name === group.topic);
    assert.ok(topic, `${file} has no topic ${group.topic}`);
    const validate = ajv.compile({ $ref: `${file}${topic.payload}` });
    check(validate, group, `${file} ${topic.payload}`);
  }
});

test("whole messages validate against the bundle and their channel document", () => {
  const ajv = ajv2020();
  const bundle = ajv.compile(fixture("channels.schema.json"));
  check(bundle, samples.messages, "bundle messages");

  const documents = samples.documents.map((file) => ajv.compile(fixture(file)));
  for (const message of samples.messages.valid) {
    const matching = documents.filter((validate) => validate(message));
    assert.equal(matching.length, 1, `one channel document accepts ${JSON.stringify(message)}`);
  }
  for (const message of samples.messages.invalid) {
    assert.ok(
      documents.every((validate) => !validate(message)),
      `no channel document accepts ${JSON.stringify(message)}`,
    );
  }
});

test("the AsyncAPI payload schemas (draft-07 form) accept and reject the same samples", () => {
  const doc = fixture("asyncapi.json");
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  addNumericFormats(ajv);
  ajv.addSchema({ components: doc.components }, "asyncapi.json");
  for (const group of samples.payloads) {
    const message = doc.components.messages[`${group.channel}.${group.topic}`];
    assert.ok(message, `no message ${group.channel}.${group.topic}`);
    const validate = ajv.compile({ $ref: `asyncapi.json${message.payload.$ref}` });
    check(validate, group, `asyncapi ${message.payload.$ref}`);
  }
});
