// A Node bullmq 6.7.0 worker for Queueboard's action tests.
//
//   node worker.mjs <redis-url> <queue> <concurrency> <fail-percent> [record-key]
//
// Each processing is recorded first, as JSON {id, atm}, with RPUSH on <record-key> (default
// "race:processed"). A job sleeps data.sleep ms, or 1-10 ms; it fails when data.fail is true, or
// at random (<fail-percent> %) unless data.fail is false. Prints "ready" once connected.
// SIGTERM closes gracefully (active jobs finish); SIGINT closes at once.
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { connectionFromUrl } from "./connection.mjs";

const [url, queueName, concurrencyArg, failArg, recordKey = "race:processed"] =
  process.argv.slice(2);
if (!url || !queueName) {
  console.error("usage: node worker.mjs <redis-url> <queue> <concurrency> <fail-percent> [key]");
  process.exit(2);
}
const connection = connectionFromUrl(url);
const failPercent = Number(failArg || 0);
const recorder = new Redis(connection);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const worker = new Worker(
  queueName,
  async (job) => {
    await recorder.rpush(recordKey, JSON.stringify({ id: job.id, atm: job.attemptsMade }));
    await sleep(job.data.sleep ?? 1 + Math.random() * 9);
    const fail =
      job.data.fail === true || (job.data.fail !== false && Math.random() * 100 < failPercent);
    if (fail) throw new Error(`planned failure of ${job.id}`);
    return { ok: job.id };
  },
  {
    connection,
    prefix: "bull",
    concurrency: Number(concurrencyArg || 1),
    name: "node-test-worker",
  },
);
worker.on("error", (err) => console.error(err));

async function stop(force) {
  await worker.close(force);
  await recorder.quit();
  process.exit(0);
}
process.on("SIGTERM", () => stop(false));
process.on("SIGINT", () => stop(true));

await worker.waitUntilReady();
process.stdout.write("ready\n");
