// Jobs carrying secrets for Queueboard's redaction tests, by a real Node bullmq worker.
//
//   node redaction_jobs.mjs <redis-url> <queue> <secret>
//
// Adds two jobs whose data, options, logs and return value or failure hold <secret> under
// several spellings of secret keys (Password, API_KEY, a nested {auth: {token}}, a log line's
// password=..., an Authorization header), has a worker complete the first and fail the
// second, then adds a third left waiting. Prints {"completed", "failed", "waiting"} ids.
import { Queue, Worker } from "bullmq";
import { connectionFromUrl } from "./connection.mjs";

const [url, queueName, secret] = process.argv.slice(2);
const connection = connectionFromUrl(url);
const queue = new Queue(queueName, { connection, prefix: "bull" });

const data = (n) => ({
  user: "ada",
  Password: `${secret}-pw`,
  API_KEY: `${secret}-key`,
  auth: { token: `${secret}-token`, scheme: "bearer" },
  headers: [{ Authorization: `Bearer ${secret}-header` }],
  n,
});
const opts = { attempts: 1, client_secret: `${secret}-opt` };
const [done, broken] = await queue.addBulk([
  { name: "login", data: data(1), opts },
  { name: "login", data: { ...data(2), fail: true }, opts },
]);
const worker = new Worker(
  queueName,
  async (job) => {
    await job.log(`connecting as ada with password=${secret}-log1 to the API`);
    await job.log(JSON.stringify({ step: "auth", api_key: `${secret}-log2` }));
    if (job.data.fail) {
      throw new Error(`login refused for token=${secret}-reason`);
    }
    return { session: { access_token: `${secret}-return` }, ok: true };
  },
  { connection, prefix: "bull" },
);
const finished = new Set();
await new Promise((resolve) => {
  const seen = (job) => {
    finished.add(job.id);
    if (finished.has(done.id) && finished.has(broken.id)) resolve();
  };
  worker.on("completed", seen);
  worker.on("failed", seen);
});
await worker.close();
const waiting = await queue.add("login", data(3), opts);
await queue.close();
console.log(JSON.stringify({ completed: done.id, failed: broken.id, waiting: waiting.id }));
