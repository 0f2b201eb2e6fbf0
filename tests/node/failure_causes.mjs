// Failures of three causes for Queueboard's failure group tests, by a real Node bullmq worker.
//
//   node failure_causes.mjs <redis-url> <queue> <count>
//
// Adds <count> jobs (data {cause: n % 3, n, fail: true}, names "sync-user", "charge" and
// "fetch") and fails each in a function of its cause with a message whose ids, numbers,
// e-mail addresses, UUIDs, hex and quoted values differ from job to job. Prints the ids of
// each cause as JSON once all have failed.
import { randomUUID } from "node:crypto";
import { Queue, Worker } from "bullmq";
import { connectionFromUrl } from "./connection.mjs";

const [url, queueName, countArg] = process.argv.slice(2);
const connection = connectionFromUrl(url);
const count = Number(countArg || 100);
const NAMES = ["sync-user", "charge", "fetch"];

function findUser(n) {
  throw new TypeError(`User ${1000 + n} not found (user${n}@example.com)`);
}
function charge(n) {
  throw new Error(`Payment ${randomUUID()} declined: amount ${n}.${n % 100} for "acct-${n}"`);
}
function fetchPage(n) {
  const hex = (0xdeadbeef + n * 7919).toString(16);
  throw new RangeError(`Timeout after ${n * 17}ms reading 0x${hex} from '/pages/${n}'`);
}
const CAUSES = [findUser, charge, fetchPage];

const queue = new Queue(queueName, { connection, prefix: "bull" });
const jobs = await queue.addBulk(
  Array.from({ length: count }, (_, n) => ({
    name: NAMES[n % 3],
    data: { cause: n % 3, n, fail: true },
  })),
);
const worker = new Worker(
  queueName,
  async (job) => {
    CAUSES[job.data.cause](job.data.n);
  },
  { connection, prefix: "bull", concurrency: 10, name: "node-cause-worker" },
);
worker.on("error", (err) => console.error(err));
for (;;) {
  const counts = await queue.getJobCounts("failed");
  if (counts.failed >= count) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
await worker.close(true);
await queue.close();
const ids = [[], [], []];
for (const job of jobs) ids[job.data.cause].push(job.id);
process.stdout.write(JSON.stringify(ids) + "\n");
process.exit(0);
