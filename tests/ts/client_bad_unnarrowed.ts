// Reads `data` without narrowing on `topic`, when the topics' payloads differ. Must fail (TS2339).
import { subscribeDemo } from "./client";

export async function read(): Promise<number> {
  const sub = subscribeDemo("demo:r1", { url: "http://127.0.0.1:8288", topics: ["status", "log"], token: "jwt" });
  for await (const item of sub) {
    if (item.kind === "data") return item.data.percent;
  }
  return 0;
}
