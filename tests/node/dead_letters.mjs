// Dead letters as BullMQ's guides teach them, by a real Node bullmq worker, for Queueboard.
//
//   node dead_letters.mjs <redis-url> fail <queue> <count>
//   node dead_letters.mjs <redis-url> drain <queue> <count>
//
// fail: adds <count> jobs (names "send-email", data {n}, attempts 2) to <queue>; a worker fails
// each, and on the final failure adds a job "failed-job" to the "dead-letter" queue with
// {originalQueue, originalJobId, data, error, failedAt}. Prints the original ids as JSON once
// every dead letter is written.
// drain: a worker processes <queue> until <count> jobs have completed there, then prints the
// completed jobs as JSON [{id, name, data}].
import { Queue, Worker } from "bullmq";
import { connectionFromUrl } from "./connection.mjs";

const [url, mode, queueName, countArg] = process.argv.slice(2);
const connection = connectionFromUrl(url);
const count = Number(countArg || 3);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

if (mode === "fail") {
  const queue = new Queue(queueName, { connection, prefix: "bull" });
  const deadLetterQueue = new Queue("dead-letter", { connection, prefix: "bull" });
  const jobs = await queue.addBulk(
    Array.from({ length: count }, (_, n) => ({
      name: "send-email",
      data: { n, to: `user${n}@example.com` },
      opts: { attempts: 2 },
    })),
  );
  const worker = new Worker(
    queueName,
    async (job) => {
      throw new Error(`SMTP refused <${job.data.to}> for job ${job.id}`);
    },
    { connection, prefix: "bull", concurrency: 5, name: "node-dlq-worker" },
  );
  worker.on("failed", async (job, error) => {
    if (job && job.attemptsMade >= job.opts.attempts) {
      await deadLetterQueue.add("failed-job", {
        originalQueue: queueName,
        originalJobId: job.id,
        data: job.data,
        error: error.message,
        failedAt: new Date().toISOString(),
      });
    }
  });
  worker.on("error", (err) => console.error(err));
  for (;;) {
    const counts = await deadLetterQueue.getJobCounts("wait");
    if (counts.wait >= count) break;
    await sleep(20);
  }
  await worker.close(true);
  await queue.close();
  await deadLetterQueue.close();
  process.stdout.write(JSON.stringify(jobs.map((job) => job.id)) + "\n");
} else if (mode === "drain") {
  const queue = new Queue(queueName, { connection, prefix: "bull" });
  const done = [];
  const worker = new Worker(
    queueName,
    async (job) => {
      done.push({ id: job.id, name: job.name, data: job.data });
      return { sent: job.data.to };
    },
    { connection, prefix: "bull", concurrency: 5, name: "node-dlq-drain" },
  );
  worker.on("error", (err) => console.error(err));
  for (let waited = 0; done.length < count && waited < 30000; waited += 20) await sleep(20);
  await sleep(100); // let the last completions be written
  await worker.close();
  await queue.close();
  process.stdout.write(JSON.stringify(done) + "\n");
} else {
  console.error("usage: node dead_letters.mjs <redis-url> fail|drain <queue> <count>");
  process.exit(2);
}
process.exit(0);
