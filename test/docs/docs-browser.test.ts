import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkResponse } from "../support/contract.js";
import { spec } from "../support/spec-schemas.js";
import { useTestGateway } from "../support/test-gateway.js";

/**
 * The Redoc page at /docs, opened by a real browser: Debian's chromium driven by playwright-core (which never
 * downloads a browser of its own). Every operation of the spec is found in the sidebar, opened, and its title
 * seen rendered; a screenshot is left in test-output/docs.png.
 */

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = join(import.meta.dirname, "..", "..", "test-output", "docs.png");
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`docs-browser.test.ts skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it).`);
}

interface DocumentedOperation {
  operationId: string;
  method: string;
  summary: string;
  tag: string;
}

function documentedOperations(): DocumentedOperation[] {
  const paths = (
    spec as unknown as {
      paths: Record<string, Record<string, { operationId: string; summary: string; tags: string[] }>>;
    }
  ).paths;
  return Object.values(paths).flatMap((item) =>
    Object.entries(item)
      .filter(([method]) => ["get", "post", "put", "patch", "delete"].includes(method))
      .map(([method, op]) => ({
        operationId: op.operationId,
        method: method.toUpperCase(),
        summary: op.summary,
        tag: op.tags[0] ?? "",
      })),
  );
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe.skipIf(!hasChromium)("the API reference in a browser", () => {
  const tg = useTestGateway();
  let context: BrowserContext;
  let userDataDir: string;

  beforeAll(async () => {
    const { chromium } = await import("playwright-core");
    userDataDir = mkdtempSync(join(tmpdir(), "runestone-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1440, height: 900 },
    });
  }, 20_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it("renders every operation's title, from a page that needs nothing but the gateway", {
    timeout: 30_000,
  }, async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(5_000);
    const pageErrors: string[] = [];
    const elsewhere: string[] = [];
    const contractProblems: string[] = [];
    const checked: Promise<void>[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    // Keep the test hermetic: whatever the page asks of another host is refused (and listed).
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(tg.url) || !/^https?:/.test(url)) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    // What the browser receives from the gateway is checked against the spec too.
    page.on("response", (response) => {
      const url = new URL(response.url());
      if (!response.url().startsWith(tg.url) || url.pathname === "/favicon.ico") return;
      checked.push(
        (async () => {
          const check = checkResponse(
            response.request().method(),
            url.pathname,
            response.status(),
            new Headers(await response.allHeaders()),
            await response.text(),
          );
          contractProblems.push(...check.problems.map((p) => `${url.pathname}: ${p}`));
        })(),
      );
    });

    await page.goto(`${tg.url}/docs`, { waitUntil: "load" });
    expect(await page.title()).toBe("Runestone API");
    await page.locator('[data-component-name="Typography/H1"]', { hasText: "Runestone API" }).waitFor();
    // The page arrives prerendered; the search box says "Loading..." until Redoc's script has taken over.
    await page.locator('[data-testid="search-trigger"]', { hasText: /^Search/ }).waitFor();

    // Sidebar entries: a tag's text starts with its name (its operations are inside it); an operation's is its
    // summary and its method.
    const items = page.locator('[data-component-name="Menu/MenuItem"]');
    const tagItem = (tag: string) => items.filter({ hasText: new RegExp(`^${escapeRegExp(tag)}`) }).first();
    const operationItem = (op: DocumentedOperation) =>
      items.filter({ hasText: new RegExp(`^${escapeRegExp(op.summary)}\\s*${op.method}$`, "i") }).last();
    const title = (op: DocumentedOperation) =>
      page
        .locator('[data-component-name="Typography/H2"]')
        .filter({ hasText: new RegExp(`^${escapeRegExp(op.summary)}$`) })
        .first();

    const operations = documentedOperations();
    expect(operations.length).toBeGreaterThanOrEqual(14);
    const openedTags = new Set<string>();
    const rendered: string[] = [];
    for (const op of operations) {
      if (!openedTags.has(op.tag)) {
        await tagItem(op.tag).click(); // unfolds the tag's operations
        openedTags.add(op.tag);
      }
      await operationItem(op).click();
      await title(op).waitFor({ state: "visible" });
      rendered.push(op.operationId);
    }
    expect(rendered).toEqual(operations.map((op) => op.operationId));

    // The screenshot: the first operation (chat completions) with its request and response samples.
    const first = operations[0] as DocumentedOperation;
    await tagItem(first.tag).click();
    await operationItem(first).click();
    await title(first).waitFor({ state: "visible" });
    mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, animations: "disabled" });

    await Promise.all(checked);
    expect(pageErrors).toEqual([]);
    expect(contractProblems).toEqual([]);
    // Redoc's attribution logo is its only reference to another host (hidden when unreachable).
    expect(elsewhere.filter((url) => !url.startsWith("https://cdn.redoc.ly/redoc/logo-"))).toEqual([]);
  });
});
