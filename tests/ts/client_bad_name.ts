// Subscribes to another channel's name with the Demo binding. Must fail (TS2345).
import { pipelineChannel, subscribeDemo } from "./client";

export const sub = subscribeDemo(pipelineChannel({ run_id: "r1" }), {
  url: "http://127.0.0.1:8288",
  topics: ["status"],
  token: "jwt",
});
