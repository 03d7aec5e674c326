import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/test-gateway.js";

describe("with its Redis unreachable", () => {
  let tg: TestGateway;
  beforeAll(async () => {
    const closed = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => closed.once("listening", resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    tg = await startTestGateway({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  });
  afterAll(() => tg.close());

  it("answers chats with 503 service_error and Retry-After, never a 500", async () => {
    for (const path of ["/v1/chat/completions", "/v1/chat/stream"]) {
      const response = await tg.post(path, { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(await response.json()).toMatchObject({
        error: { type: "service_error", code: "state_backend_unavailable" },
      });
    }
    expect(tg.fake.requests).toHaveLength(0);
    await tg.contract.settle();
  });
});
