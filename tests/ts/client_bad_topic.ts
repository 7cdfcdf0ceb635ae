// Subscribes to a topic of another channel (`llm_tokens` is Pipeline's). Must fail (TS2322).
import { demoChannel, subscribeDemo } from "./client";

export const sub = subscribeDemo(demoChannel({ run_id: "r1" }), {
  url: "http://127.0.0.1:8288",
  topics: ["status", "llm_tokens"],
  token: "jwt",
});
