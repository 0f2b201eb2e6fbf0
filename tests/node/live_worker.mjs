// A Node bullmq 6.7.0 worker and producer for Queueboard's live-update tests and benchmark.
//
//   node live_worker.mjs <redis-url> <queue> [concurrency]
//
// Prints "ready" once the worker runs. Each stdin line is a command:
//   add <json-data>          adds a job named "work"; prints "added <id>"
//   progress <id> <json>     sets a job's progress (as a worker would); prints "progress <id>"
//   retry <id>               retries a failed job (Job.retry); prints "retried <id>"
// A job reports progress data.steps times (10 by default), data.stepMs apart (100 by default),
// logs "step <n>" each time, then fails when data.fail is true or while it has started at
// most data.failRuns runs, else completes.
import readline from "node:readline";
import { Job, Queue, Worker } from "bullmq";
import { connectionFromUrl } from "./connection.mjs";

const [url, queueName, concurrencyArg] = process.argv.slice(2);
if (!url || !queueName) {
  console.error("usage: node live_worker.mjs <redis-url> <queue> [concurrency]");
  process.exit(2);
}
const connection = connectionFromUrl(url);
const prefix = "bull";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const queue = new Queue(queueName, { connection, prefix });

const worker = new Worker(
  queueName,
  async (job) => {
    const steps = job.data.steps ?? 10;
    for (let n = 1; n <= steps; n++) {
      await sleep(job.data.stepMs ?? 100);
      await job.log(`step ${n}`);
      await job.updateProgress(Math.round((100 * n) / steps));
    }
    if (job.data.fail || job.attemptsStarted <= (job.data.failRuns ?? 0)) {
      throw new Error(`planned failure of ${job.id}`);
    }
    return { ok: job.id };
  },
  { connection, prefix, concurrency: Number(concurrencyArg || 1), name: "node-live-worker" },
);
worker.on("error", (err) => console.error(err));

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  const [command, ...rest] = line.trim().split(" ");
  if (command === "add") {
    const job = await queue.add("work", JSON.parse(rest.join(" ") || "{}"));
    process.stdout.write(`added ${job.id}\n`);
  } else if (command === "progress") {
    const job = await Job.fromId(queue, rest[0]);
    await job.updateProgress(JSON.parse(rest.slice(1).join(" ")));
    process.stdout.write(`progress ${rest[0]}\n`);
  } else if (command === "retry") {
    const job = await Job.fromId(queue, rest[0]);
    await job.retry("failed");
    process.stdout.write(`retried ${rest[0]}\n`);
  }
});
lines.on("close", async () => {
  await worker.close(true);
  await queue.close();
  process.exit(0);
});
process.on("SIGTERM", async () => {
  await worker.close(true);
  await queue.close();
  process.exit(0);
});

await worker.waitUntilReady();
await queue.waitUntilReady();
process.stdout.write("ready\n");
