// Writes BullMQ job schedulers with the Node client (bullmq 6.x) for Queueboard's tests.
//
//   node schedulers.mjs <redis-url> <queue> <json>
//
// <json> is {"schedulers": [{"id", "repeat", "name", "data", "opts"}], "run": <n>}: each
// scheduler is upserted with upsertJobScheduler; with "run", a worker then processes jobs until
// <n> have completed (so that a scheduler with a limit finishes). Prints the schedulers as
// getJobScheduler returns them.
import { Queue, Worker } from "bullmq";
import { connectionFromUrl } from "./connection.mjs";

const [url, name, spec] = process.argv.slice(2);
if (!url || !name || !spec) {
  console.error("usage: node schedulers.mjs <redis-url> <queue> <json>");
  process.exit(2);
}
const connection = connectionFromUrl(url);
const prefix = "bull";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const { schedulers = [], run = 0 } = JSON.parse(spec);

const queue = new Queue(name, { connection, prefix });
try {
  for (const s of schedulers) {
    await queue.upsertJobScheduler(s.id, s.repeat, {
      name: s.name ?? s.id,
      data: s.data ?? {},
      opts: s.opts ?? {},
    });
  }
  if (run > 0) {
    const worker = new Worker(name, async (job) => ({ ran: job.id }), {
      connection,
      prefix,
      name: "node-scheduler-worker",
    });
    try {
      for (let tries = 0; tries < 1500; tries++) {
        const counts = await queue.getJobCounts("completed");
        if (counts.completed >= run) break;
        await sleep(20);
      }
      await sleep(200); // let the last iteration's upsert settle
    } finally {
      await worker.close();
    }
  }
  const found = {};
  for (const s of schedulers) found[s.id] = await queue.getJobScheduler(s.id);
  console.log(JSON.stringify(found));
} finally {
  await queue.close();
}
