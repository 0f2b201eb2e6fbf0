// A Node bullmq 6.7.0 producer and worker for Queueboard's /metrics tests.
//
//   node metrics_run.mjs <redis-url> <queue> <ok> <failing> <waiting>
//
// Adds <ok> jobs that complete and <failing> jobs that fail (attempts 1), processes them with a
// worker keeping BullMQ's metrics (the `metrics` option), closes it, adds <waiting> more jobs
// and prints BullMQ's own Queue.exportPrometheusMetrics() text.
import { Queue, Worker } from "bullmq";
import { connectionFromUrl } from "./connection.mjs";

const [url, queueName, okArg, failArg, waitArg] = process.argv.slice(2);
if (!url || !queueName) {
  console.error("usage: node metrics_run.mjs <redis-url> <queue> <ok> <failing> <waiting>");
  process.exit(2);
}
const connection = connectionFromUrl(url);
const queue = new Queue(queueName, { connection, prefix: "bull" });
const [ok, failing, waiting] = [okArg, failArg, waitArg].map(Number);
const job = (fail) => ({ name: fail ? "fails" : "works", data: { fail }, opts: { attempts: 1 } });
await queue.addBulk([
  ...Array.from({ length: ok }, () => job(false)),
  ...Array.from({ length: failing }, () => job(true)),
]);
let finished = 0;
const done = new Promise((resolve) => {
  const worker = new Worker(
    queueName,
    async (j) => {
      if (j.data.fail) throw new Error("planned failure");
      return "ok";
    },
    { connection, prefix: "bull", concurrency: 10, metrics: { maxDataPoints: 60 } },
  );
  const count = () => {
    finished += 1;
    if (finished === ok + failing) resolve(worker);
  };
  worker.on("completed", count);
  worker.on("failed", count);
  if (ok + failing === 0) resolve(worker);
});
const worker = await done;
await worker.close();
if (waiting > 0) {
  await queue.addBulk(Array.from({ length: waiting }, () => job(false)));
}
process.stdout.write((await queue.exportPrometheusMetrics()) + "\n");
await queue.close();
