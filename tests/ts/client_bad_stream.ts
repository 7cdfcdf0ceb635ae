// Misreads a data stream's chunk: Demo's `summary` chunks are strings. Must fail (TS2339).
import { subscribeDemo } from "./client";

export async function read(): Promise<number> {
  const sub = subscribeDemo("demo:r1", { url: "http://127.0.0.1:8288", topics: ["summary"], token: "jwt" });
  let total = 0;
  for await (const item of sub) {
    if (item.kind === "datastream") {
      for await (const chunk of item.stream) total += chunk.percent;
    }
  }
  return total;
}
