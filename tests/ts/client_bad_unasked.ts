// Expects a topic it did not ask for: only `status` arrives. Must fail (TS2367).
import { subscribeDemo } from "./client";

export async function read(): Promise<string> {
  const sub = subscribeDemo("demo:r1", { url: "http://127.0.0.1:8288", topics: ["status"], token: "jwt" });
  for await (const item of sub) {
    if (item.kind === "data" && item.topic === "log") return "a log line";
  }
  return "";
}
