// Writes BullMQ queues with the Node client (bullmq 6.7.0) for Queueboard's tests.
//
//   node produce.mjs <redis-url> <scenario>
//
// Prints one JSON object with the ids written, per state in the board's natural order.
// Scenarios: basic, flow, scheduler, empty-queue.
import { FlowProducer, Queue, Worker } from "bullmq";
import { connectionFromUrl } from "./connection.mjs";

const [url, scenario] = process.argv.slice(2);
if (!url || !scenario) {
  console.error("usage: node produce.mjs <redis-url> <scenario>");
  process.exit(2);
}
const connection = connectionFromUrl(url);
const prefix = "bull";
const HOUR = 3_600_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function processAll(queue, processor, finished) {
  const worker = new Worker(queue.name, processor, { connection, prefix, name: "node-worker" });
  try {
    for (let tries = 0; tries < 750; tries++) {
      const counts = await queue.getJobCounts("completed", "failed");
      if (counts.completed + counts.failed >= finished) return;
      await sleep(20);
    }
    throw new Error("the Node worker did not finish in time");
  } finally {
    await worker.close();
  }
}

async function basic() {
  const queue = new Queue("node-basic", { connection, prefix });
  const done = [];
  for (let n = 1; n <= 4; n++) done.push(await queue.add("work", { n, fail: n % 2 === 0 }));
  await processAll(
    queue,
    async (job) => {
      await job.log(`started ${job.id}`);
      await job.updateProgress({ step: 1, of: 2 });
      await sleep(3);
      if (job.data.fail) throw new TypeError(`node boom ${job.data.n}`);
      await job.log(`finished ${job.id}`);
      await job.updateProgress(100);
      return { doubled: job.data.n * 2 };
    },
    done.length,
  );
  const waiting = [];
  for (let n = 0; n < 3; n++) waiting.push(await queue.add("work", { n }));
  const delayed = [
    await queue.add("later", { n: 0 }, { delay: 2 * HOUR }),
    await queue.add("later", { n: 1 }, { delay: HOUR }),
  ];
  const prioritized = [
    await queue.add("urgent", { n: 0 }, { priority: 5 }),
    await queue.add("urgent", { n: 1 }, { priority: 1 }),
  ];
  const custom = await queue.add("custom", { n: 9 }, { jobId: "custom-id-1", attempts: 3 });
  await queue.close();
  return {
    completed: done.filter((j) => !j.data.fail).reverse().map((j) => j.id),
    failed: done.filter((j) => j.data.fail).reverse().map((j) => j.id),
    waiting: [custom.id, ...waiting.reverse().map((j) => j.id)],
    delayed: [delayed[1].id, delayed[0].id],
    prioritized: [prioritized[1].id, prioritized[0].id],
  };
}

async function flow() {
  const producer = new FlowProducer({ connection, prefix });
  const tree = await producer.add({
    name: "parent",
    queueName: "node-parents",
    data: { kind: "parent" },
    children: [
      { name: "child", queueName: "node-children", data: { n: 1 } },
      { name: "child", queueName: "node-children", data: { n: 2 }, opts: { delay: HOUR } },
    ],
  });
  await producer.close();
  // Complete the waiting child: the parent gets a processed entry and keeps waiting for the
  // delayed one.
  const children = new Queue("node-children", { connection, prefix });
  await processAll(children, async (job) => ({ child: job.data.n }), 1);
  await children.close();
  return {
    parent: tree.job.id,
    children: tree.children.map((c) => c.job.id).sort(),
  };
}

async function scheduler() {
  const queue = new Queue("node-sched", { connection, prefix });
  const job = await queue.upsertJobScheduler(
    "nightly",
    { pattern: "0 0 3 * * *", tz: "UTC" },
    { name: "nightly-report", data: { kind: "report" } },
  );
  await queue.close();
  return { delayed: [job.id] };
}

async function emptyQueue() {
  // A Node Queue writes its meta hash on construction, before any job exists.
  const queue = new Queue("node-empty", { connection, prefix });
  await queue.waitUntilReady();
  await queue.close();
  return {};
}

const scenarios = { basic, flow, scheduler, "empty-queue": emptyQueue };
if (!scenarios[scenario]) {
  console.error(`unknown scenario ${scenario}; known: ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
const result = await scenarios[scenario]();
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(0);
