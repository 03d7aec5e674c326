// Preloaded into a gateway process by memory tests (NODE_OPTIONS=--import <this file>): on SIGUSR2 it runs a
// full garbage collection and writes the heap and RSS after it to stderr as one JSON line, so a test can compare
// what the process retains rather than where its collector happens to be.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

process.on("SIGUSR2", () => {
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  process.stderr.write(`${JSON.stringify({ gc_probe: { heapUsed, rss } })}\n`);
});
