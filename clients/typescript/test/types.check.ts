// Compile-time checks of the public types (run by `npm run build` through test/tsconfig.json):
// what generated bindings will rely on. Nothing here runs.
import { WebSocket as WS } from "ws";
import { subscribe, type DataStream, type Item, type Subscription } from "../src/index.js";
import { useRealtime, type RealtimeRunStatus } from "../src/react.js";

interface Status {
  message: string;
  percent: number;
}
interface PipelineTopics {
  status: Status;
  llm_tokens: string;
  logs: { line: string };
}

type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

async function typedByTopic(): Promise<void> {
  const sub: Subscription<PipelineTopics, "status" | "llm_tokens"> = subscribe<PipelineTopics, "status" | "llm_tokens">({
    url: "http://127.0.0.1:8288",
    channel: "pipeline:abc",
    topics: ["status", "llm_tokens"],
    token: async () => "jwt",
    WebSocket: WS,
  });
  for await (const item of sub) {
    switch (item.kind) {
      case "data":
        if (item.topic === "status") {
          assertType<Equals<typeof item.data, Status>>();
          const percent: number = item.data.percent;
          void percent;
        } else {
          assertType<Equals<typeof item.topic, "llm_tokens">>();
          assertType<Equals<typeof item.data, string>>();
        }
        break;
      case "datastream":
        if (item.topic === "llm_tokens") {
          assertType<Equals<typeof item.stream, DataStream<string>>>();
          for await (const chunk of item.stream) {
            const text: string = chunk;
            void text;
          }
        }
        break;
      case "run":
        assertType<Equals<typeof item.data.status, "started" | "completed" | "failed" | "cancelled">>();
        break;
      case "continuity_lost":
        assertType<Equals<typeof item.last_seen, string | null>>();
        break;
      case "status":
        assertType<Equals<typeof item.status, "connecting" | "open" | "reconnecting" | "closed">>();
        break;
      case "error":
        assertType<Equals<typeof item.code, string>>();
        break;
    }
  }
}

function inferredTopics(): void {
  // Without type arguments the topic names are inferred; data is unknown.
  const sub = subscribe({ url: "http://x", channel: "c", topics: ["a", "b"], token: "t", transport: "sse" });
  assertType<Equals<typeof sub.topics, readonly ("a" | "b")[]>>();
}

function callbackForm(): void {
  subscribe<PipelineTopics, "logs">({
    url: "http://x",
    channel: "pipeline:abc",
    topics: ["logs"],
    token: "t",
    transport: "sse",
    onItem: (item: Item<PipelineTopics, "logs">) => {
      if (item.kind === "data") {
        const line: string = item.data.line;
        void line;
      }
    },
  });
}

function refusesForeignTopics(): void {
  subscribe<PipelineTopics, "status">({
    url: "http://x",
    channel: "pipeline:abc",
    // @ts-expect-error a topic the map does not have
    topics: ["nope"],
    token: "t",
  });
}

function hookTypedByTopic(): void {
  const { connectionStatus, runStatus, messages, streams, error } = useRealtime<PipelineTopics, "status" | "llm_tokens">({
    url: "http://x",
    channel: "pipeline:abc",
    topics: ["status", "llm_tokens"],
    token: () => Promise.resolve("t"),
  });
  assertType<Equals<typeof messages.byTopic.status, { kind: "data"; topic: "status"; data: Status } & import("../src/index.js").EnvelopeMeta | undefined>>();
  const percent: number | undefined = messages.byTopic.status?.data.percent;
  const tokens: string[] | undefined = streams.byTopic.llm_tokens?.chunks;
  const last = messages.last;
  if (last?.topic === "llm_tokens") assertType<Equals<typeof last.data, string>>();
  for (const m of messages.all) if (m.topic === "status") assertType<Equals<typeof m.data, Status>>();
  assertType<Equals<typeof runStatus, RealtimeRunStatus>>();
  const connected: boolean = connectionStatus === "open" && error === null;
  // @ts-expect-error a topic the subscription does not have
  void messages.byTopic.logs;
  void percent, tokens, connected;
}

function hookRefusesForeignTopics(): void {
  // @ts-expect-error a topic the map does not have
  useRealtime<PipelineTopics, "status">({ url: "http://x", channel: "c:x", topics: ["nope"], token: "t" });
}

void hookTypedByTopic;
void hookRefusesForeignTopics;
void typedByTopic;
void inferredTopics;
void callbackForm;
void refusesForeignTopics;
