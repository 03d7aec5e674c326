import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../bench/repository.js";
import { type ClientCheckGateway, chatRequestsSince } from "./gateway.js";
import { run } from "./shell.js";

/**
 * The typed client as its own package: packed with npm pack, installed from the tarball in a new project outside
 * the repository (it must bring openapi-fetch and nothing else of the gateway's), called with plain Node, and its
 * declarations type-checked there as a user's compiler reads them.
 */

const CLIENT_DIR = join(REPO_ROOT, "clients", "typescript");
const TSC = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");

const CALL = `// Plain Node, no TypeScript: the package's compiled JavaScript.
import { createRunestoneClient } from "runestone-client";

const runestone = createRunestoneClient({ baseUrl: process.argv[2] });

const { data: live } = await runestone.GET("/health/live");
console.log("GET /health/live:", JSON.stringify(live));

const { data: chat, error, response } = await runestone.POST("/v1/chat/completions", {
  body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello from plain Node" }] },
});
if (error || !("choices" in chat)) throw new Error(\`chat: \${response.status} \${JSON.stringify(error ?? chat)}\`);
console.log("POST /v1/chat/completions:", response.status, JSON.stringify(chat.choices[0].message.content),
  "provider:", chat.provider, "x-request-id:", response.headers.get("x-request-id"));

const missing = await runestone.GET("/v1/jobs/{job_id}", { params: { path: { job_id: "job_missing" } } });
console.log("GET /v1/jobs/job_missing:", missing.response.status, missing.error?.error.code);
`;

const TYPED_USE = `import { type components, createRunestoneClient, type RunestoneClient } from "runestone-client";

const runestone: RunestoneClient = createRunestoneClient({ baseUrl: "http://localhost:4001", apiKey: undefined });
const { data } = await runestone.GET("/v1/models/{model}", { params: { path: { model: "gpt-4o-mini" } } });
const model: components["schemas"]["Model"] | undefined = data;
console.log(model?.id);
// @ts-expect-error: a path the spec does not have (the declarations type the paths: they are not \`any\`)
await runestone.GET("/v1/no-such-path");
`;

const TSCONFIG = {
  compilerOptions: {
    module: "nodenext",
    target: "es2022",
    lib: ["es2022", "dom"],
    types: [],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
  },
  include: ["typed-use.ts"],
};

export async function checkClientPackage(gateway: ClientCheckGateway): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "runestone-client-package-"));
  try {
    const packed = await run(`npm pack ${CLIENT_DIR} --pack-destination ${dir} --loglevel=notice`, REPO_ROOT);
    const tarball = join(dir, packed.stdout.trim().split("\n").at(-1) ?? "");
    const project = join(dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "uses-runestone-client", type: "module" }));
    await run(`npm install ${tarball}`, project);
    await run("npm ls --all", project);
    const installed = JSON.parse(
      readFileSync(join(project, "node_modules", "runestone-client", "package.json"), "utf8"),
    );
    const dependencies = Object.keys({ ...installed.dependencies, ...installed.peerDependencies });
    if (dependencies.join() !== "openapi-fetch") {
      throw new Error(`runestone-client depends on ${dependencies.join(", ")}: openapi-fetch only was expected`);
    }

    writeFileSync(join(project, "call.mjs"), CALL);
    const chats = gateway.fake.requests.length;
    const called = await run(`node call.mjs ${gateway.url}`, project);
    for (const expected of ['200 "echo: Hello from plain Node"', "job_missing: 404 job_not_found"]) {
      if (!called.stdout.includes(expected)) throw new Error(`node call.mjs did not print ${expected}`);
    }
    if (chatRequestsSince(gateway.fake, chats) !== 1) throw new Error("the chat did not reach the upstream once");

    writeFileSync(join(project, "typed-use.ts"), TYPED_USE);
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
    await run(`node ${TSC} -p . && echo "typed-use.ts type-checks against the installed declarations"`, project);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
