// A frontend that uses the generated declarations correctly: must type-check with --strict.
import {
  demoChannel,
  demoPublishRequest,
  demoTopics,
  jobChannel,
  pipelineChannel,
  pipelinePublishRequest,
  type DemoChannelName,
  type DemoEvent,
  type DemoMessage,
  type DemoPublishRequest,
  type DemoTopic,
  type Envelope,
  type JobMessage,
  type PipelineMessage,
  type PipelineStatus,
} from "./channels";

const demo: DemoChannelName = demoChannel({ run_id: "r1" });
const pipeline: `pipeline:${string}` = pipelineChannel({ run_id: "abc123" });
const job = jobChannel({ job: "build", attempt: 2 });

const status: PipelineStatus = { message: "Starting", step: { name: "fetch", index: 0 }, percent: 0 };
const requests: DemoPublishRequest[] = [
  demoPublishRequest(demo, "status", { stage: "Queued", percent: 0 }),
  demoPublishRequest(demo, "log", { line: "Run queued" }),
  { channel: demo, topic: "log", data: { line: "by hand" } },
];
const tokens = pipelinePublishRequest(pipeline, "llm_tokens", { text: "Hel", finish: null });
const topics: readonly DemoTopic[] = demoTopics;

/** Narrowing on `topic` gives the payload type of that topic. */
export function render(msg: DemoMessage): string {
  switch (msg.topic) {
    case "log":
      return msg.data.line;
    case "status":
      return `${msg.data.stage}: ${msg.data.percent.toFixed(0)}%`;
    case "summary":
      return msg.data;
  }
}

/** Narrowing on `kind`, then `topic`: run updates, stream starts and ends, topic data. */
export function follow(event: DemoEvent): string {
  switch (event.kind) {
    case "run":
      return event.data.status === "failed" ? `failed: ${event.data.error}` : event.data.status;
    case "datastream-start":
      return `stream ${event.stream_id} on ${event.topic} starts`;
    case "datastream-end":
      return `${event.stream_id}: ${event.stream_end.chunks} chunks, ${event.stream_end.status}`;
    default:
      return (event.kind === "chunk" ? `${event.stream_id}: ` : "") + render(event);
  }
}

export function describe(msg: PipelineMessage | JobMessage): string {
  if (msg.topic === "status") return msg.data.step?.name ?? msg.data.message;
  if (msg.topic === "llm_tokens") return msg.data.text + (msg.data.finish === "stop" ? "." : "");
  if (msg.topic === "events") return msg.data.type === "failed" ? msg.data.error : msg.data.at;
  return msg.data.join(",");
}

const wire: Envelope<"log", { line: string }, "data"> = {
  id: "1700000000000-0",
  channel: demo,
  topic: "log",
  data: { line: "hi" },
  kind: "data",
  created_at: "2026-11-23T08:00:00.000Z",
};

export const used = [status, requests, tokens, topics, job, render(wire), follow(wire)];
