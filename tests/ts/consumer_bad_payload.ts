// Publishes a payload of the wrong shape: `percent` must be a number. Must fail (TS2322).
import { demoChannel, demoPublishRequest } from "./channels";

export const request = demoPublishRequest(demoChannel({ run_id: "r1" }), "status", {
  stage: "Queued",
  percent: "50",
});
