// The fake upstream of the tests, alone in its own process so that it does not share an event loop with the
// gateway or the load generator. Prints its URL on stdout.
import { startFakeUpstream } from "../../test/fake-upstream/index.js";

const fake = await startFakeUpstream();
process.stdout.write(`${fake.url}\n`);
process.on("SIGTERM", () => {
  void fake.close().then(() => process.exit(0));
});
