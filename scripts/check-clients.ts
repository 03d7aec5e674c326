/**
 * CI (.ci/run): the clients a user gets, tried as a user would, outside the repository, against the compiled
 * gateway (npm run build first) in front of the tests' fake upstream:
 *   --package   the typed client's own package: npm pack, npm install of the tarball, a call with plain Node;
 *   --generate  the README's "Generate a client" recipes, replayed as written.
 * Both by default. Prints what it runs and what that prints, and how long each part took.
 */
import { checkClientPackage } from "./client-checks/client-package.js";
import { checkGeneratedClients } from "./client-checks/generated-clients.js";
import { startClientCheckGateway } from "./client-checks/gateway.js";

const parts = process.argv.slice(2);
const all = parts.length === 0;
const unknown = parts.filter((part) => part !== "--package" && part !== "--generate");
if (unknown.length > 0) {
  console.error(`unknown options ${unknown.join(" ")}: use --package, --generate or neither`);
  process.exit(2);
}

async function timed(name: string, check: () => void | Promise<void>): Promise<void> {
  const started = performance.now();
  console.log(`\n== ${name}`);
  await check();
  console.log(`== ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const gateway = await startClientCheckGateway();
console.log(`gateway ${gateway.url} (dist/, open mode), upstream: the fake at ${gateway.fake.url}`);
try {
  if (all || parts.includes("--package")) {
    await timed("the typed client package, installed from its tarball, called with plain Node", () =>
      checkClientPackage(gateway),
    );
  }
  if (all || parts.includes("--generate")) {
    await timed('the README\'s "Generate a client" recipes', () => checkGeneratedClients(gateway));
  }
} finally {
  await gateway.stop();
}
