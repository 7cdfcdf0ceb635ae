// Starts a real `realtime serve` process on a free loopback port for a test, and stops it.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultBin = path.resolve(here, "../../target/debug/realtime");

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

/**
 * Runs `realtime serve --addr 127.0.0.1:<port> ...args` and resolves once it listens.
 * Returns { url, port, stop(), output() }. `env` adds environment variables; `port` picks the
 * port (a free one by default), e.g. to restart a gateway where it was.
 */
export async function startGateway(args = [], env = {}, port = undefined) {
  port = port ?? (await freePort());
  const bin = process.env.REALTIME_BIN || defaultBin;
  const child = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`, ...args], {
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start in 20 s:\n${output}`)), 20_000);
    child.on("exit", (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
    child.stdout.on("data", () => {
      if (output.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.removeAllListeners("exit");
        child.on("exit", (code) => resolve(code));
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
      }),
  };
}
