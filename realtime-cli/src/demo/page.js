// The demo page's script, served at /demo/page.js. Typed against the TypeScript export of
// the channels (`realtime schema --format typescript` → channels.ts), so that
// `tsc --checkJs --strict` catches a misspelled topic or a wrong payload field here.
// @ts-check
"use strict";

/** @typedef {import("./channels").DemoEvent} DemoEvent */
/** @typedef {import("./channels").DemoChannelName} DemoChannelName */
/** @typedef {import("./channels").DemoTopic} DemoTopic */
/**
 * A created run, as `POST /demo/runs` answers it.
 * @typedef {object} DemoRun
 * @property {string} run_id
 * @property {DemoChannelName} channel
 * @property {string} token
 * @property {DemoTopic[]} topics
 * @property {number} steps
 */

(() => {
  /** @type {readonly DemoTopic[]} */
  const TOPICS = ["log", "status", "summary"];

  /**
   * @param {string} id
   * @returns {HTMLElement}
   */
  const $ = (id) => {
    const element = document.getElementById(id);
    if (!element) throw new Error(`the page has no #${id}`);
    return element;
  };
  const restart = () => /** @type {HTMLButtonElement} */ ($("restart"));

  /** @type {WebSocket | null} */
  let socket = null;
  let received = 0;

  /** @param {unknown} err */
  const messageOf = (err) => (err instanceof Error ? err.message : String(err));

  /**
   * @param {string} state
   * @param {string} text
   */
  function setConnection(state, text) {
    $("connection").dataset.state = state;
    $("connection-text").textContent = text;
  }

  /**
   * @param {unknown} percent
   * @param {string} [stage]
   */
  function setProgress(percent, stage) {
    const value = Math.max(0, Math.min(100, Math.round(Number(percent) || 0)));
    $("progress").setAttribute("aria-valuenow", String(value));
    $("progress-fill").style.width = value + "%";
    $("percent").textContent = value + "%";
    if (stage) $("stage").textContent = stage;
    return value;
  }

  /** @param {string} [iso] */
  function clock(iso) {
    const date = iso ? new Date(iso) : new Date();
    if (Number.isNaN(date.getTime())) return "";
    const pad = (/** @type {number} */ n, w = 2) => String(n).padStart(w, "0");
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  }

  /**
   * @param {string} text
   * @param {{ at?: string, topic?: string, notice?: boolean }} [options]
   */
  function appendLog(text, { at, topic = "log", notice = false } = {}) {
    const log = $("log");
    log.querySelector("li.empty")?.remove();
    const li = document.createElement("li");
    li.dataset.topic = topic;
    if (notice) li.className = "notice";
    const time = document.createElement("time");
    if (at) time.dateTime = at;
    time.textContent = clock(at);
    const badge = document.createElement("span");
    badge.className = "topic";
    badge.textContent = topic;
    const line = document.createElement("span");
    line.className = "line";
    line.textContent = text;
    li.append(time, badge, line);
    log.append(li);
    log.scrollTop = log.scrollHeight;
    const lines = log.querySelectorAll('li[data-topic="log"]').length;
    $("log-count").textContent = lines === 1 ? "1 line" : `${lines} lines`;
  }

  /** @param {string} message */
  function fail(message) {
    document.body.dataset.state = "error";
    setConnection("error", "Error");
    appendLog(message, { topic: "error", notice: true });
    restart().disabled = false;
  }

  /** @param {string} status */
  function setRunStatus(status) {
    $("run-status").dataset.status = status;
    $("run-status").textContent = status;
  }

  /**
   * @param {string} state
   * @param {string} text
   */
  function setSummaryState(state, text) {
    $("summary-state").dataset.state = state;
    $("summary-state").textContent = text;
  }

  function reset() {
    document.body.dataset.state = "starting";
    setRunStatus("pending");
    setSummaryState("waiting", "waiting for the stream");
    $("summary").textContent = "";
    received = 0;
    $("received").textContent = "0";
    $("run-id").textContent = "–";
    $("channel").textContent = "–";
    $("log").replaceChildren();
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = "No messages yet";
    $("log").append(empty);
    $("log-count").textContent = "0 lines";
    setProgress(0, "Waiting to start");
    restart().disabled = true;
  }

  /** @param {Response} response */
  async function errorOf(response) {
    try {
      const body = await response.json();
      return body.error || `HTTP ${response.status}`;
    } catch {
      return `HTTP ${response.status}`;
    }
  }

  /**
   * Whether a frame from the gateway is a message of the run's channel: topic data (also
   * a data stream's chunk), a run lifecycle update, or a data stream's start or end.
   * @param {any} frame
   * @param {DemoRun} run
   * @returns {frame is DemoEvent}
   */
  function isRunEvent(frame, run) {
    if (frame.channel !== run.channel || frame.data == null) return false;
    return frame.kind === "run" ? frame.topic === "run" : TOPICS.includes(frame.topic);
  }

  /**
   * @param {DemoEvent} msg
   * @param {WebSocket} ws
   */
  function show(msg, ws) {
    switch (msg.kind) {
      case "run":
        setRunStatus(msg.data.status);
        if (msg.data.status === "completed") {
          document.body.dataset.state = "done";
          setConnection("done", "Completed");
          restart().disabled = false;
          ws.close(1000, "run complete");
        } else if (msg.data.status !== "started") {
          fail(`The run ${msg.data.status}${msg.data.error ? `: ${msg.data.error}` : ""}`);
        }
        return;
      case "datastream-start":
        $("summary").textContent = "";
        setSummaryState("streaming", "streaming…");
        return;
      case "datastream-end":
        // Its data is the stream id; how the stream ended is in `stream_end`.
        if (msg.stream_end.status === "finished") {
          setSummaryState("finished", `${msg.stream_end.chunks} words, finished`);
        } else {
          setSummaryState("aborted", `aborted: ${msg.stream_end.error ?? "no reason given"}`);
        }
        return;
    }
    if (msg.topic === "summary") {
      $("summary").textContent += msg.data;
    } else if (msg.topic === "log" && typeof msg.data.line === "string") {
      appendLog(msg.data.line, { at: msg.created_at });
    } else if (msg.topic === "status") {
      setProgress(msg.data.percent, msg.data.stage);
    }
  }

  /**
   * @param {DemoRun} run
   * @param {WebSocket} ws
   * @param {string} raw
   */
  function onMessage(run, ws, raw) {
    /** @type {any} */
    let frame;
    try { frame = JSON.parse(raw); } catch { return; }
    if (frame && frame.kind === "closing") {
      appendLog("The server is shutting down", { topic: "notice", notice: true });
      return;
    }
    if (!frame || frame.channel !== run.channel) return;
    // Where the channel stands when the subscription is confirmed: not a message.
    if (frame.kind === "position") return;
    received += 1;
    $("received").textContent = String(received);
    if (isRunEvent(frame, run)) show(frame, ws);
  }

  async function startRun() {
    if (socket) { const old = socket; socket = null; old.close(1000); }
    reset();
    setConnection("connecting", "Connecting");
    /** @type {DemoRun} */
    let run;
    try {
      const response = await fetch("/demo/runs", { method: "POST" });
      if (!response.ok) throw new Error(await errorOf(response));
      run = await response.json();
    } catch (err) {
      fail(`Could not create a run: ${messageOf(err)}`);
      return;
    }
    document.body.dataset.runId = run.run_id;
    $("run-id").textContent = run.run_id;
    $("channel").textContent = run.channel;

    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/v1/realtime/connect?token=${encodeURIComponent(run.token)}`);
    socket = ws;
    ws.onmessage = (event) => { if (socket === ws) onMessage(run, ws, String(event.data)); };
    ws.onopen = async () => {
      if (socket !== ws) return;
      setConnection("live", "Live");
      document.body.dataset.state = "running";
      // Subscribed now: start the run, so that no message is published before we listen.
      try {
        const response = await fetch(`/demo/runs/${encodeURIComponent(run.run_id)}/start`, { method: "POST" });
        if (!response.ok) throw new Error(await errorOf(response));
      } catch (err) {
        fail(`Could not start the run: ${messageOf(err)}`);
      }
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      if (document.body.dataset.state === "done" || document.body.dataset.state === "error") return;
      fail(`Disconnected before the run finished (close code ${event.code})`);
    };
  }

  restart().addEventListener("click", startRun);
  startRun();
})();
