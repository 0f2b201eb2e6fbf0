// Queue.rateLimit(<ms>) as an app calls it (Node bullmq 6.7.0): holds the queue back.
//
//   node rate_limit.mjs <redis-url> <queue> <ms>
import { Queue } from "bullmq";
import { connectionFromUrl } from "./connection.mjs";

const [url, queueName, ms] = process.argv.slice(2);
const queue = new Queue(queueName, { connection: connectionFromUrl(url), prefix: "bull" });
await queue.rateLimit(Number(ms));
await queue.close();
