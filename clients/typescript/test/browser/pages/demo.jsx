// The demo run of `realtime serve --demo`, shown by a React page through useRealtime (in
// StrictMode, so the hook's double mount is exercised).
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { useRealtime } from "@realtime-rs/client/react";

const { url, channel, token, transport } = window.config;

function App() {
  const { connectionStatus, runStatus, run, messages, streams, error } = useRealtime({
    url,
    channel,
    topics: ["status", "log", "summary"],
    token,
    transport,
  });
  const status = messages.byTopic.status?.data;
  const summary = streams.byTopic.summary;
  return (
    <main>
      <p id="connection">{connectionStatus}</p>
      <p id="run-status">{runStatus}</p>
      <p id="run-output">{run?.data.output ? JSON.stringify(run.data.output) : ""}</p>
      <p id="stage">{status?.stage ?? ""}</p>
      <p id="percent">{status ? `${status.percent}%` : ""}</p>
      <p id="last-topic">{messages.last?.topic ?? ""}</p>
      <ol id="log">
        {messages.all
          .filter((m) => m.topic === "log")
          .map((m) => (
            <li key={m.id}>{m.data.line}</li>
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

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
