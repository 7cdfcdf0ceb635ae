// Publishes to a topic the channel does not have. Must fail (TS2345).
import { demoChannel, demoPublishRequest } from "./channels";

export const request = demoPublishRequest(demoChannel({ run_id: "r1" }), "progress", { line: "x" });
