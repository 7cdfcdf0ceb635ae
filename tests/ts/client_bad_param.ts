// Gives a channel parameter of the wrong type: Job's `attempt` is a number. Must fail (TS2322).
import { subscribeJob } from "./client";

export const sub = subscribeJob({ job: "build", attempt: "2" }, {
  url: "http://127.0.0.1:8288",
  topics: ["events"],
  token: "jwt",
});
