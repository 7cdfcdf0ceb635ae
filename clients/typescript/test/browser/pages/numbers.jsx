// Numbered messages on one topic, shown by a React page through useRealtime (in StrictMode),
// with a token fetched from the page's server before every connection.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { useRealtime } from "typed-realtime-client/react";

const { url, channel, transport } = window.config;
window.__errors = [];
window.__tokens = 0;

async function token() {
  window.__tokens++;
  const response = await fetch("/token");
  if (!response.ok) throw new Error(`the token server answered ${response.status}`);
  return response.text();
}

function App() {
  const { connectionStatus, messages, error, connections, continuityLost } = useRealtime({
    url,
    channel,
    topics: ["n"],
    token,
    transport,
    backoff: { initialMs: 50, maxMs: 500 },
    maxMessages: 10_000,
    onItem: (item) => {
      if (item.kind === "error") window.__errors.push(`${item.source}:${item.code}`);
    },
  });
  return (
    <main>
      <p id="connection">{connectionStatus}</p>
      <p id="connections">{connections}</p>
      <p id="count">{messages.all.length}</p>
      <p id="ns">{JSON.stringify(messages.all.map((m) => m.data.n))}</p>
      <p id="ids">{JSON.stringify(messages.all.map((m) => m.id))}</p>
      <p id="error">{error ? `${error.source}:${error.code}` : ""}</p>
      <p id="gap">{continuityLost ? continuityLost.cause : ""}</p>
    </main>
  );
}

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
