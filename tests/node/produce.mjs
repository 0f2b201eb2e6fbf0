// Writes BullMQ queues with the Node client (bullmq 6.7.0) for Queueboard's tests.
//
//   node produce.mjs <redis-url> <scenario>
//
// Prints one JSON object with the ids written, per state in the board's natural order.
// Scenarios: basic, flow, scheduler, empty-queue, deep-flow, options-and-retry.
import { FlowProducer, Job, Queue, Worker } from "bullmq";
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

async function deepFlow() {
  // Three levels across two queues, with a hostile name: the leaves in flow-a are processed,
  // so the middle job that waited for them is waiting and the root waits for its children.
  const producer = new FlowProducer({ connection, prefix });
  const tree = await producer.add({
    name: "report <b>root</b>",
    queueName: "flow-a",
    children: [
      {
        name: "mid-1",
        queueName: "flow-b",
        children: [
          { name: "leaf <img src=x onerror=alert(1)>", queueName: "flow-a" },
          { name: "leaf-2", queueName: "flow-a" },
        ],
      },
      { name: "mid-2", queueName: "flow-b" },
    ],
  });
  await producer.close();
  const leaves = new Queue("flow-a", { connection, prefix });
  await processAll(leaves, async (job) => ({ leaf: job.name }), 2);
  await leaves.close();
  const [mid1, mid2] = tree.children;
  return {
    root: tree.job.id,
    mid1: mid1.job.id,
    mid2: mid2.job.id,
    leaves: mid1.children.map((c) => c.job.id),
  };
}

// A job added with options BullMQ stores under short names, and a job that failed, was
// retried by hand (Job.retry) and failed again: 2 attempts made of the 1 allowed.
async function optionsAndRetry() {
  const queue = new Queue("node-options", { connection, prefix });
  const configured = await queue.add(
    "configured",
    { n: 1 },
    {
      attempts: 2,
      backoff: { type: "fixed", delay: 10 },
      keepLogs: 5,
      removeOnFail: 100,
      deduplication: { id: "dedupe-1" },
      failParentOnFailure: true,
      telemetry: { metadata: "ctx", omitContext: true },
      delay: HOUR,
    },
  );
  const retried = await queue.add("retried", { n: 2 }, { attempts: 1 });
  const worker = new Worker(
    queue.name,
    async (job) => {
      throw new Error(`run ${job.attemptsStarted} of ${job.id} failed`);
    },
    { connection, prefix, name: "node-worker" },
  );
  const failedWith = async (made) => {
    for (let tries = 0; tries < 750; tries++) {
      const job = await Job.fromId(queue, retried.id);
      if ((await job.getState()) === "failed" && job.attemptsMade >= made) return job;
      await sleep(20);
    }
    throw new Error("the retried job did not fail in time");
  };
  try {
    await (await failedWith(1)).retry("failed");
    await failedWith(2);
  } finally {
    await worker.close();
  }
  await queue.close();
  return { delayed: [configured.id], failed: [retried.id] };
}

const scenarios = {
  "options-and-retry": optionsAndRetry,
  basic,
  flow,
  scheduler,
  "empty-queue": emptyQueue,
  "deep-flow": deepFlow,
};
if (!scenarios[scenario]) {
  console.error(`unknown scenario ${scenario}; known: ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
const result = await scenarios[scenario]();
process.stdout.write(JSON.stringify(result) + "\n");
process.exit(0);
