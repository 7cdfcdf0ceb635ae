// Test helpers: a real `realtime serve` on a free loopback port, HTTP publish and tokens,
// hand-made JWTs, bounded reads of a subscription, and a guard against unhandled rejections.
import { spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { after } from "node:test";
import assert from "node:assert/strict";

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultBin = path.resolve(here, "../../../target/debug/realtime");

export const KEY = "signkey-test-0badc0de";
export const REDIS_URL = process.env.REALTIME_TEST_REDIS_URL || "redis://127.0.0.1:6379";

// Any unhandled rejection fails the run: the file's process exits non-zero, and the
// `after` hook below fails a test.
const unhandled = [];
process.on("unhandledRejection", (reason) => {
  unhandled.push(reason);
  process.exitCode = 1;
  console.error("unhandled rejection:", reason);
});
after(() => {
  assert.deepEqual(unhandled, [], "no unhandled rejections");
});

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs `realtime serve --addr 127.0.0.1:<port> ...args`; resolves once it listens. */
export async function startGateway(args = [], port = undefined) {
  port = port ?? (await freePort());
  const bin = process.env.REALTIME_BIN || defaultBin;
  const child = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`, ...args], {
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start in 20 s:\n${output}`)), 20_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${bin} (set REALTIME_BIN): ${e.message}`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
    child.stdout.on("data", () => {
      if (output.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.removeAllListeners("exit");
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => output,
    stop: () => stopChild(child),
  };
}

/** Stops a child process (SIGTERM, SIGKILL after 10 s); resolves with its exit code. */
export function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.on("exit", (code) => resolve(code));
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
  });
}

/** Publishes JSON `data`; returns the message id. */
export async function publish(gateway, channel, topic, data, query = {}) {
  const params = new URLSearchParams({ channel, topic, ...query });
  const response = await fetch(`${gateway.url}/v1/realtime/publish?${params}`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify(data),
  });
  const body = await response.text();
  assert.equal(response.status, 200, body);
  return JSON.parse(body).id;
}

/** Publishes `pieces` as one `text/stream` body, each piece sent on its own. */
export async function publishStream(gateway, channel, topic, pieces) {
  const params = new URLSearchParams({ channel, topic });
  const encoder = new TextEncoder();
  let i = 0;
  const body = new ReadableStream({
    async pull(controller) {
      if (i === pieces.length) return controller.close();
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      controller.enqueue(encoder.encode(pieces[i++]));
    },
  });
  const response = await fetch(`${gateway.url}/v1/realtime/publish?${params}`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "text/stream" },
    body,
    duplex: "half",
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text);
}

/** Mints a subscription token through the gateway. */
export async function mint(gateway, channel, topics) {
  const response = await fetch(`${gateway.url}/v1/realtime/token`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify(topics.map((name) => ({ channel, name }))),
  });
  const body = await response.text();
  assert.equal(response.status, 201, body);
  return JSON.parse(body).jwt;
}

/** A hand-made HS256 token: `exp` seconds from now (negative: expired), signed with `key`. */
export function craftToken(channel, topics, { key = KEY, exp = 60 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const claims = {
    iss: "realtime-rs",
    jti: randomUUID(),
    iat: now - 120,
    nbf: now - 120,
    exp: now + exp,
    channel,
    topics: topics.map((name) => ({ kind: "run", channel, name })),
    publish: false,
  };
  const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}`;
  return `${head}.${createHmac("sha256", key).update(head).digest("base64url")}`;
}

/** Reads a subscription (or any async iterable) with bounded waits, keeping what it saw. */
export class Reader {
  constructor(iterable) {
    this.iterator = iterable[Symbol.asyncIterator]();
    this.seen = [];
    this.ended = false;
  }

  /** The next item, or `undefined` at the end; fails after `ms`. */
  async next(ms = 15_000) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`nothing arrived in ${ms} ms; seen: ${JSON.stringify(this.seen.slice(-8))}`)), ms);
    });
    try {
      const result = await Promise.race([this.iterator.next(), timeout]);
      if (result.done) {
        this.ended = true;
        return undefined;
      }
      this.seen.push(result.value);
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads until `predicate` holds for an item, and returns that item; fails after `ms`. */
  async until(predicate, ms = 15_000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching item in ${ms} ms; seen: ${JSON.stringify(this.seen.slice(-8))}`);
      const item = await this.next(left);
      if (item === undefined) throw new Error(`ended before a matching item; seen: ${JSON.stringify(this.seen.slice(-8))}`);
      if (predicate(item)) return item;
    }
  }

  /** Reads `n` data messages (skipping other items); returns them. */
  async data(n, ms = 15_000) {
    const out = [];
    while (out.length < n) out.push(await this.until((i) => i.kind === "data", ms));
    return out;
  }

  /** Reads to the end; fails after `ms`. */
  async drain(ms = 15_000) {
    while (!this.ended) await this.next(ms);
  }
}

export const isStatus = (status) => (item) => item.kind === "status" && item.status === status;

/** A unique channel name. */
export const uniqueChannel = (prefix = "pipeline") => `${prefix}:${randomUUID().slice(0, 8)}`;
