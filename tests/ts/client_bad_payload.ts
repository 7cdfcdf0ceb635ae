// Misreads a payload field: `stag` for `stage`. Must fail (TS2551).
import { subscribeDemo } from "./client";

export async function read(): Promise<string | undefined> {
  const sub = subscribeDemo({ run_id: "r1" }, { url: "http://127.0.0.1:8288", topics: ["status"], token: "jwt" });
  for await (const item of sub) {
    if (item.kind === "data") return item.data.stag;
  }
  return undefined;
}
