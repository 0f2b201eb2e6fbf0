// Bull Board 9.x over the benchmark's Redis: one BullMQAdapter per queue, served by express.
//
//   node server.mjs <redis-url> <port> <queue-names-file> [shared|per-queue]
//
// The names file holds one queue name per line (Bull Board does no discovery: every queue is
// registered by the app). Two boards are mounted over the same queues:
//   /board           Bull Board's defaults (showWorkers on: one CLIENT LIST per queue per poll)
//   /board-noworkers the same with uiConfig.showWorkers=false, Bull Board's documented lever
// Connections (the last argument):
//   shared     all queues share one ioredis connection, as an app that passes one client to
//              its Queues does (the default);
//   per-queue  each Queue gets connection options and so opens its own connection, as in Bull
//              Board's README (`new Queue(name, { connection: redisOptions })`).
// Prints "listening <port>" on stdout once ready; stops on SIGTERM or SIGINT.
import { readFileSync } from "node:fs";

import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import { Queue } from "bullmq";
import express from "express";
import IORedis from "ioredis";

const [url, portText, namesFile, mode = "shared"] = process.argv.slice(2);
if (!url || !portText || !namesFile || !["shared", "per-queue"].includes(mode)) {
  console.error("usage: node server.mjs <redis-url> <port> <queue-names-file> [shared|per-queue]");
  process.exit(2);
}
const names = readFileSync(namesFile, "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter(Boolean);
const parsed = new URL(url);
const options = {
  host: parsed.hostname,
  port: Number(parsed.port || 6379),
  db: Number((parsed.pathname || "/0").slice(1) || 0),
  maxRetriesPerRequest: null,
  connectionName: "bench-bull-board",
};
const connection = new IORedis(options);
const queues = names.map(
  (name) =>
    new Queue(name, { connection: mode === "shared" ? connection : options, prefix: "bull" }),
);
await Promise.all(queues.map((queue) => queue.waitUntilReady()));

const app = express();
for (const [path, uiConfig] of [
  ["/board", {}],
  ["/board-noworkers", { showWorkers: false }],
]) {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(path);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig },
  });
  app.use(path, serverAdapter.getRouter());
}

const server = app.listen(Number(portText), "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
server.keepAliveTimeout = 60_000;

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections?.();
  await Promise.allSettled(queues.map((queue) => queue.close()));
  connection.disconnect();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
