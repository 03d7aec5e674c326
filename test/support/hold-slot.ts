import { expect } from "vitest";
import { openaiStream } from "../fake-upstream/index.js";
import type { TestGateway } from "./test-gateway.js";

/**
 * Takes one of a tenant's slots with a stream the upstream leaves hanging after its first events, once its first bytes
 * are in; the returned function lets it go (the client aborts).
 */
export async function holdSlot(tg: TestGateway, tenant: string): Promise<() => void> {
  tg.fake.once("openai", { kind: "sse", events: openaiStream({ content: "a long answer" }), hangAfterEvents: 2 });
  const controller = new AbortController();
  const response = await fetch(`${tg.url}/v1/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hold" }], tenant_id: tenant }),
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  await response.body?.getReader().read();
  return () => controller.abort();
}
