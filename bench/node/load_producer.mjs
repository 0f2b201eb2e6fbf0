// A Node bullmq 6.7.0 producer for bench/load.py.
//
//   node load_producer.mjs <redis-url> <queue> <jobs-per-second> <seconds>
//
// Adds jobs with Queue.addBulk, one batch every 100 ms, for <seconds> seconds (bounded by time
// and by count), jobs removed 1,000 after completion as a production queue would. Prints
// "ready" once connected and, at the end, one JSON line {added, seconds}.
import { Queue } from "bullmq";

const [url, queueName, rateArg, secondsArg] = process.argv.slice(2);
if (!url || !queueName) {
  console.error("usage: node load_producer.mjs <redis-url> <queue> <jobs-per-second> <seconds>");
  process.exit(2);
}
const parsed = new URL(url);
const connection = {
  host: parsed.hostname,
  port: Number(parsed.port || 6379),
  db: Number((parsed.pathname || "/0").slice(1) || 0),
};
const rate = Number(rateArg || 500);
const seconds = Number(secondsArg || 60);
const perBatch = Math.max(1, Math.round(rate / 10));
const queue = new Queue(queueName, { connection, prefix: "bull" });
await queue.waitUntilReady();
process.stdout.write("ready\n");

const started = Date.now();
let added = 0;
for (let batch = 0; batch < seconds * 10; batch++) {
  const due = started + batch * 100;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  if (Date.now() - started > seconds * 1000 + 5000) break;
  const jobs = Array.from({ length: perBatch }, (_, i) => ({
    name: "load",
    data: { n: added + i, sleep: 2 },
    opts: { removeOnComplete: 1000, removeOnFail: 1000 },
  }));
  await queue.addBulk(jobs);
  added += perBatch;
}
process.stdout.write(JSON.stringify({ added, seconds: (Date.now() - started) / 1000 }) + "\n");
await queue.close();
