// A page that subscribes to a demo channel through the generated bindings' `subscribeDemo`
// with the generated ajv validators (`validate: Demo`): a payload that fails its topic's
// schema arrives as a `{ kind: "error", source: "validation" }` item and is shown as an
// error, never as data. (useRealtime takes no validators; the bindings' subscribe does.)
import { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { subscribeDemo, type DemoStatus, type ValidationErrorItem } from "realtime-bindings/client";
import { Demo } from "realtime-bindings/validators";

declare global {
  interface Window {
    config: { url: string; run_id: string; token: string; transport: "websocket" | "sse" };
  }
}

const { url, run_id, token, transport } = window.config;

type Status = { id: string; data: DemoStatus };
type Invalid = Pick<ValidationErrorItem, "id" | "topic" | "source" | "code" | "message">;

function App() {
  const [connection, setConnection] = useState("idle");
  const [statuses, setStatuses] = useState<Status[]>([]);
  const [invalid, setInvalid] = useState<Invalid[]>([]);
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  useEffect(() => {
    const sub = subscribeDemo(
      { run_id },
      {
        url,
        topics: ["status"],
        token,
        transport,
        validate: Demo,
        onItem: (item) => {
          switch (item.kind) {
            case "status":
              setConnection(item.status);
              break;
            case "data":
              // Typed by the bindings: item.data is a DemoStatus.
              setStatuses((s) => [...s, { id: item.id, data: { stage: item.data.stage, percent: item.data.percent } }]);
              break;
            case "error":
              if (item.source === "validation") {
                const { id, topic, source, code, message } = item;
                setInvalid((e) => [...e, { id, topic, source, code, message }]);
              } else {
                setOtherErrors((e) => [...e, `${item.source}:${item.code}`]);
              }
              break;
            default:
              break;
          }
        },
      },
    );
    return () => sub.close();
  }, []);
  return (
    <main>
      <p id="connection">{connection}</p>
      <ol id="data">
        {statuses.map(({ id, data }) => (
          <li key={id} data-id={id}>
            {JSON.stringify(data)}
          </li>
        ))}
      </ol>
      <ol id="invalid">
        {invalid.map((e) => (
          <li key={e.id} data-id={e.id} data-source={e.source} data-topic={e.topic} data-code={e.code}>
            {e.message}
          </li>
        ))}
      </ol>
      <p id="other-errors">{otherErrors.join(" ")}</p>
    </main>
  );
}

const root = document.getElementById("root");
if (!root) throw new Error("no #root");
createRoot(root).render(<App />);
