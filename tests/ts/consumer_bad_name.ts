// Uses a name of another channel where a demo channel name is expected. Must fail (TS2345).
import { demoPublishRequest, pipelineChannel } from "./channels";

export const request = demoPublishRequest(pipelineChannel({ run_id: "r1" }), "log", { line: "x" });
