// A Node bullmq 6.7.0 producer for Queueboard's deployment test: adds jobs, as an app would.
//
//   node add_jobs.mjs <redis-url> <queue> <count> [json-data] [json-opts]
//
// Adds <count> jobs named "work" (data: json-data with "n" set to 1..count; job options:
// json-opts) in one bulk call and prints their ids as a JSON array.
import { Queue } from "bullmq";
import { connectionFromUrl } from "./connection.mjs";

const [url, queueName, countArg, dataArg, optsArg] = process.argv.slice(2);
if (!url || !queueName || !countArg) {
  console.error("usage: node add_jobs.mjs <redis-url> <queue> <count> [json-data]");
  process.exit(2);
}
const queue = new Queue(queueName, { connection: connectionFromUrl(url), prefix: "bull" });
const data = JSON.parse(dataArg || "{}");
const opts = JSON.parse(optsArg || "{}");
const jobs = await queue.addBulk(
  Array.from({ length: Number(countArg) }, (_, n) => ({ name: "work", data: { ...data, n: n + 1 }, opts })),
);
process.stdout.write(JSON.stringify(jobs.map((job) => job.id)) + "\n");
await queue.close();
