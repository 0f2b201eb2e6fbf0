// Node bullmq's own Queue.retryJobs on a seeded queue, for bench/retry_100k.py.
// Uses the bullmq 6.7.0 installed in tests/node (npm ci there). Prints one JSON line:
// {"ms": <time of retryJobs alone, connection already open>}.
//   node bench/retry_100k.mjs <redis-url> <queue> <count>
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const require = createRequire(new URL("../tests/node/package.json", import.meta.url));
const { Queue } = require("bullmq");

const [url, name, count] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const queue = new Queue(name, { connection: { host: hostname, port: Number(port) } });
await queue.waitUntilReady();
await queue.getJobCounts("failed"); // the connection is open and answering
const started = performance.now();
await queue.retryJobs({ state: "failed", count: Number(count) });
const ms = performance.now() - started;
await queue.close();
console.log(JSON.stringify({ ms }));
