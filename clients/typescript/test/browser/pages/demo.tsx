// The demo run of `realtime serve --demo`, shown by a React page through useRealtime (in
// StrictMode, so the hook's double mount is exercised). Typed by the bindings the gateway
// generates (`realtime schema --format client`, imported as `realtime-bindings/client` at
// test time): every payload read below is checked by `tsc --strict` against the demo
// channel's topics, so a misread field fails the test before the page is bundled.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { useRealtime } from "typed-realtime-client/react";
import {
  demoChannel,
  demoTopics,
  type DemoChannelName,
  type DemoStatus,
  type DemoTopic,
  type DemoTopics,
} from "realtime-bindings/client";

declare global {
  interface Window {
    config: { url: string; run_id: string; token: string; transport: "websocket" | "sse" };
  }
}

const { url, run_id, token, transport } = window.config;
const channel: DemoChannelName = demoChannel({ run_id });

function App() {
  const { connectionStatus, runStatus, run, messages, streams, error } = useRealtime<DemoTopics, DemoTopic>({
    url,
    channel,
    topics: demoTopics,
    token,
    transport,
  });
  const status: DemoStatus | undefined = messages.byTopic.status?.data;
  const summary = streams.byTopic.summary;
  const log = messages.all.flatMap((m) => (m.topic === "log" ? [{ id: m.id, line: m.data.line }] : []));
  return (
    <main>
      <p id="channel">{channel}</p>
      <p id="connection">{connectionStatus}</p>
      <p id="run-status">{runStatus}</p>
      <p id="run-output">{run?.data.output ? JSON.stringify(run.data.output) : ""}</p>
      <p id="stage">{status?.stage ?? ""}</p>
      <p id="percent">{status ? `${status.percent}%` : ""}</p>
      <p id="last-topic">{messages.last?.topic ?? ""}</p>
      <ol id="log">
        {log.map(({ id, line }) => (
          <li key={id}>{line}</li>
        ))}
      </ol>
      <p id="summary" data-state={summary ? summary.status : "none"} data-chunks={summary ? summary.chunks.length : 0}>
        {summary ? summary.chunks.join("") : ""}
      </p>
      <p id="streams">{streams.all.length}</p>
      <p id="error">{error ? `${error.source}:${error.code}` : ""}</p>
    </main>
  );
}

const root = document.getElementById("root");
if (!root) throw new Error("no #root");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
