// A frontend that uses the generated client bindings (client.ts) correctly: must type-check
// with --strict (and with the client's own stricter options).
import {
  demoChannel,
  subscribeDemo,
  subscribeJob,
  subscribePipeline,
  PayloadValidationError,
  type DemoStatus,
  type DemoTopics,
  type DemoValidators,
  type PayloadValidator,
  type ValidatedItem,
} from "./client";
import type { Subscription } from "typed-realtime-client";

const url = "https://realtime.example.com";
const token = async (): Promise<string> => "jwt";

/** Items are typed by the topics asked for: narrow on `kind`, then on `topic`. */
export async function watch(): Promise<string[]> {
  const seen: string[] = [];
  const sub: Subscription<DemoTopics, "status" | "summary"> = subscribeDemo(demoChannel({ run_id: "r1" }), {
    url,
    topics: ["status", "summary"],
    token,
  });
  for await (const item of sub) {
    switch (item.kind) {
      case "data":
        if (item.topic === "status") {
          const status: DemoStatus = item.data;
          seen.push(`${status.stage}: ${item.data.percent.toFixed(0)}% (${item.id})`);
        } else {
          seen.push(item.data.toUpperCase());
        }
        break;
      case "datastream":
        // A stream's chunks are payloads of its topic: narrow on `topic` too.
        if (item.topic === "summary") for await (const chunk of item.stream) seen.push(chunk.trim());
        break;
      case "run":
        seen.push(item.data.status);
        break;
      case "error":
        seen.push(`${item.source}: ${item.code}`);
        break;
      default:
        break;
    }
  }
  return seen;
}

/** The parameters instead of the name; the callback form; a channel with a numeric parameter. */
export function callbacks(): void {
  subscribePipeline({ run_id: "abc" }, {
    url,
    topics: ["llm_tokens"],
    token: "jwt",
    transport: "sse",
    onItem: (item) => {
      if (item.kind === "data") console.log(item.data.text, item.data.finish === "stop");
    },
  });
  const job = subscribeJob({ job: "build", attempt: 2 }, { url, topics: ["events", "tags"], token });
  void job.closed.then(() => job.lastId);
}

/** With validators, a payload that fails arrives as a `validation` error item, never as data. */
export async function validated(status: PayloadValidator): Promise<number> {
  const validate: DemoValidators = { status };
  const sub = subscribeDemo("demo:r2", { url, topics: ["status", "summary"], token, validate });
  let percent = 0;
  for await (const item of sub) {
    const typed: ValidatedItem<DemoTopics, "status" | "summary"> = item;
    if (typed.kind === "error" && typed.source === "validation") {
      console.warn(typed.topic, typed.id, typed.errors.length);
    } else if (item.kind === "data" && item.topic === "status") {
      percent = item.data.percent;
    } else if (item.kind === "datastream" && item.topic === "summary") {
      try {
        for await (const chunk of item.stream) console.log(chunk.length);
      } catch (e) {
        if (e instanceof PayloadValidationError) console.warn(e.streamId, e.errors);
      }
    }
  }
  subscribeDemo("demo:r3", {
    url,
    topics: ["log"],
    token,
    validate: { log: status },
    onItem: (item) => {
      if (item.kind === "error" && item.source === "validation") console.warn(item.errors);
      else if (item.kind === "data") console.log(item.data.line);
    },
  });
  return percent;
}
