// The Socket.IO peer of `realtime bench`: what users pick instead of a realtime gateway.
//
// A client joins the room named in its handshake query (`?room=<name>`); `POST /publish?room=<name>`
// with a JSON body emits it to the room as event `m` (`io.to(room).emit("m", payload)`), the
// usual room broadcast. With `--recovery` (the churn scenario) the server keeps each
// disconnected client's session and the events it missed (`connectionStateRecovery`), so a
// client reconnecting with its session id and last offset gets them. Listens on 127.0.0.1 only, prints `listening on http://<addr>` once
// ready, and exits when its stdin closes (the load tool that started it has gone).
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || process.env.PORT || 0);
const recovery = process.argv.includes("--recovery");
const httpServer = http.createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (req.method !== "POST" || url.pathname !== "/publish") {
    if (!res.headersSent && !url.pathname.startsWith("/socket.io")) {
      res.writeHead(404).end();
    }
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let payload;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch (e) {
      res.writeHead(400).end(String(e));
      return;
    }
    io.to(url.searchParams.get("room") || "").emit("m", payload);
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
const io = new Server(httpServer, {
  transports: ["websocket"],
  serveClient: false,
  ...(recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true } } : {}),
});
io.on("connection", (socket) => {
  socket.join(String(socket.handshake.query.room || ""));
});
httpServer.listen(port, "127.0.0.1", () => {
  const { address, port } = httpServer.address();
  console.log(`listening on http://${address}:${port}`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
