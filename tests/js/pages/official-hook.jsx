// A page that watches a `realtime serve --demo` run with the OFFICIAL React hook,
// `useRealtime` from `inngest/react` (inngest 4.24.0), unpatched. Bundled at test time by
// official-hook.test.mjs with esbuild and served by its app server, which also mints tokens
// (GET /token) and passes POST /demo/runs... on to the gateway.
//
// Query parameters:
//   gateway=URL   the gateway, where the hook's WebSocket goes (the hook's apiBaseUrl)
//   token=scoped  the hook's token() fetches /token?channel=..., a token the app mints with
//                 the gateway's token route for the status and log topics only
//   token=demo    the hook gets the token POST /demo/runs answered (status, log and summary)
import { useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { useRealtime } from "inngest/react";

const params = new URLSearchParams(location.search);
const tokenMode = params.get("token") ?? "scoped";
const gatewayUrl = params.get("gateway");
const TOPICS = ["status", "log"];

function Run({ run }) {
  const started = useRef(false);
  const { connectionStatus, runStatus, messages, result, error } = useRealtime({
    channel: run.channel,
    topics: TOPICS,
    historyLimit: null,
    apiBaseUrl: gatewayUrl,
    token:
      tokenMode === "demo"
        ? // A key object: the hook pairs it with `channel` and `topics`.
          { key: run.token, apiBaseUrl: gatewayUrl }
        : // A token function answering the JWT as text, as in the hook's documentation.
          () =>
            fetch(`/token?channel=${encodeURIComponent(run.channel)}`).then((res) => {
              if (!res.ok) throw new Error(`token route answered ${res.status}`);
              return res.text();
            }),
  });

  // messages.all, in order: every log line (history unbounded, not the default 100).
  const log = messages.all.filter((message) => message.topic === "log").map((message) => message.data.line);

  // Start the run once the hook's WebSocket is open, so it misses nothing.
  useEffect(() => {
    if (connectionStatus !== "open" || started.current) return;
    started.current = true;
    fetch(`/demo/runs/${run.run_id}/start`, { method: "POST" }).then((res) => {
      document.body.dataset.startStatus = String(res.status);
    });
  }, [connectionStatus, run.run_id]);

  const status = messages.byTopic.status?.data;
  return (
    <main>
      <h1>Official useRealtime hook</h1>
      <p>
        Connection: <span id="connection">{connectionStatus}</span> | Run:{" "}
        <span id="run-status">{runStatus}</span>
      </p>
      <p id="channel">{run.channel}</p>
      <p>
        <span id="stage">{status?.stage ?? ""}</span> <span id="percent">{status ? String(status.percent) : ""}</span>
      </p>
      <p id="last-log">{messages.byTopic.log?.data?.line ?? ""}</p>
      <ol id="log">
        {log.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ol>
      <p id="all-count">{messages.all.length}</p>
      <pre id="result">{result === undefined ? "" : JSON.stringify(result)}</pre>
      <p id="error">{error ? String(error.message ?? error) : ""}</p>
    </main>
  );
}

function App() {
  const [run, setRun] = useState(null);
  const [failure, setFailure] = useState(null);
  useEffect(() => {
    fetch("/demo/runs", { method: "POST" })
      .then((res) => {
        if (res.status !== 201) throw new Error(`POST /demo/runs answered ${res.status}`);
        return res.json();
      })
      .then(setRun, (err) => setFailure(String(err)));
  }, []);
  if (failure) return <p id="failure">{failure}</p>;
  if (!run) return <p>Creating a demo run…</p>;
  document.body.dataset.runId = run.run_id;
  return <Run run={run} />;
}

createRoot(document.getElementById("root")).render(<App />);
