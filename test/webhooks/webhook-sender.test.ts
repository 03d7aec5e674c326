import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Telemetry, type TelemetryEvents } from "../../src/telemetry/events.js";
import type { HostResolver } from "../../src/webhooks/callback-url.js";
import { WebhookSender } from "../../src/webhooks/webhook-sender.js";
import type { WebhookSettings } from "../../src/webhooks/webhook-settings.js";
import { DEFAULTS } from "../support/config-defaults.js";
import { newWebhookSecret, WebhookReceiver } from "./support/webhook-receiver.js";

const FAST: WebhookSettings = {
  ...DEFAULTS.webhooks,
  maxAttempts: 3,
  baseDelayMs: 10,
  maxDelayMs: 50,
  timeoutMs: 2_000,
  allowLoopback: true,
};

const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(
  secret: string,
  respond?: Parameters<typeof WebhookReceiver.start>[1],
): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start(secret, respond);
  receivers.push(started);
  return started;
}

function recordDeliveries(telemetry: Telemetry): TelemetryEvents["webhook.delivery"][] {
  const events: TelemetryEvents["webhook.delivery"][] = [];
  telemetry.on("webhook.delivery", (event) => events.push(event));
  return events;
}

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("WebhookSender", () => {
  it("POSTs the payload as JSON with Standard Webhooks headers that the receiver verifies", async () => {
    const secret = newWebhookSecret();
    const hook = await receiver(secret);
    const telemetry = new Telemetry();
    const events = recordDeliveries(telemetry);
    const payload = { id: "job_1", status: "succeeded", result: { text: "héllo" } };

    const result = await new WebhookSender(telemetry, () => FAST).send({
      url: hook.url(),
      secret,
      messageId: "job_1",
      payload,
    });

    expect(result).toEqual({ delivered: true, attempts: 1, status: 200 });
    expect(hook.received).toHaveLength(1);
    const [delivery] = hook.received;
    expect(delivery?.verified).toEqual({ ok: true, payload });
    expect(delivery?.headers["content-type"]).toBe("application/json");
    expect(delivery?.headers["webhook-id"]).toBe("job_1");
    expect(Number(delivery?.headers["webhook-timestamp"])).toBeCloseTo(Date.now() / 1000, -1);
    expect(events).toMatchObject([{ messageId: "job_1", attempt: 1, outcome: "delivered", status: 200 }]);
  });

  it("a signature made with another secret does not verify", async () => {
    const hook = await receiver(newWebhookSecret());
    await new WebhookSender(new Telemetry(), () => FAST).send({
      url: hook.url(),
      secret: newWebhookSecret(),
      messageId: "m",
      payload: {},
    });
    expect(hook.received[0]?.verified.ok).toBe(false);
  });

  it("retries after a 500 with the same webhook-id and a fresh signature, then succeeds", async () => {
    const secret = newWebhookSecret();
    const hook = await receiver(secret, (n) => (n === 1 ? 500 : 200));
    const telemetry = new Telemetry();
    const events = recordDeliveries(telemetry);

    const result = await new WebhookSender(telemetry, () => FAST).send({
      url: hook.url(),
      secret,
      messageId: "msg-retry",
      payload: { n: 1 },
    });

    expect(result).toEqual({ delivered: true, attempts: 2, status: 200 });
    expect(hook.received.map((r) => r.headers["webhook-id"])).toEqual(["msg-retry", "msg-retry"]);
    expect(hook.received.every((r) => r.verified.ok)).toBe(true);
    expect(events.map((e) => e.outcome)).toEqual(["retrying", "delivered"]);
  });

  it("gives up after maxAttempts on 503s and 429s", async () => {
    const secret = newWebhookSecret();
    const hook = await receiver(secret, (n) => (n % 2 === 0 ? 429 : 503));
    const telemetry = new Telemetry();
    const events = recordDeliveries(telemetry);

    const result = await new WebhookSender(telemetry, () => FAST).send({
      url: hook.url(),
      secret,
      messageId: "m",
      payload: {},
    });

    expect(result).toEqual({ delivered: false, attempts: 3, reason: "HTTP 503", status: 503 });
    expect(hook.received).toHaveLength(3);
    expect(events.map((e) => e.outcome)).toEqual(["retrying", "retrying", "failed"]);
  });

  it("does not retry a 4xx other than 408 and 429", async () => {
    const secret = newWebhookSecret();
    const hook = await receiver(secret, () => 410);
    const result = await new WebhookSender(new Telemetry(), () => FAST).send({
      url: hook.url(),
      secret,
      messageId: "m",
      payload: {},
    });
    expect(result).toMatchObject({ delivered: false, attempts: 1, status: 410 });
    expect(hook.received).toHaveLength(1);
  });

  it("retries connection failures, a bounded number of times", async () => {
    const port = await closedPort();
    const result = await new WebhookSender(new Telemetry(), () => FAST).send({
      url: `http://127.0.0.1:${port}/`,
      secret: newWebhookSecret(),
      messageId: "m",
      payload: {},
    });
    expect(result).toMatchObject({ delivered: false, attempts: 3 });
    expect(result.delivered === false && result.reason).toMatch(/ECONNREFUSED/);
  });

  it("waits at least the receiver's retry-after between attempts, but no longer than maxDelayMs", async () => {
    const secret = newWebhookSecret();
    const busy = { status: 503, headers: { "retry-after": "0.04" } };
    const hook = await receiver(secret, (n) => (n < 3 ? busy : 200));
    const started = performance.now();
    const result = await new WebhookSender(new Telemetry(), () => FAST).send({
      url: hook.url(),
      secret,
      messageId: "m",
      payload: {},
    });
    expect(result).toMatchObject({ delivered: true, attempts: 3 });
    // Two waits of 40 ms or more (a timer may fire a millisecond early).
    expect(performance.now() - started).toBeGreaterThanOrEqual(78);

    const slow = await receiver(secret, (n) => (n < 2 ? { status: 429, headers: { "retry-after": "3600" } } : 200));
    const capped = performance.now();
    const second = await new WebhookSender(new Telemetry(), () => FAST).send({
      url: slow.url(),
      secret,
      messageId: "m",
      payload: {},
    });
    expect(second).toMatchObject({ delivered: true, attempts: 2 });
    expect(performance.now() - capped).toBeLessThan(2_000); // maxDelayMs 50, not an hour
  });

  it("refuses a loopback URL unless allowed, without sending anything", async () => {
    const secret = newWebhookSecret();
    const hook = await receiver(secret);
    const telemetry = new Telemetry();
    const events = recordDeliveries(telemetry);

    const result = await new WebhookSender(telemetry, () => ({ ...FAST, allowLoopback: false })).send({
      url: hook.url(),
      secret,
      messageId: "m",
      payload: {},
    });

    expect(result).toMatchObject({ delivered: false, attempts: 1 });
    expect(result.delivered === false && result.reason).toMatch(/loopback/);
    expect(hook.received).toHaveLength(0);
    expect(events).toMatchObject([{ outcome: "refused" }]);
  });

  it("checks each delivery against the address policy in force when it starts", async () => {
    const secret = newWebhookSecret();
    const hook = await receiver(secret);
    let settings: WebhookSettings = { ...FAST, allowLoopback: false };
    const sender = new WebhookSender(new Telemetry(), () => settings);
    const message = { url: hook.url(), secret, messageId: "m", payload: { ok: 1 } };

    expect(await sender.send(message)).toMatchObject({ delivered: false, attempts: 1 });
    settings = { ...settings, allowLoopback: true };
    expect(await sender.send(message)).toMatchObject({ delivered: true, attempts: 1 });
    expect(hook.received).toHaveLength(1);
  });

  it("connects to the address it checked: the host name is never looked up again", async () => {
    const secret = newWebhookSecret();
    const hook = await receiver(secret);
    const port = new URL(hook.url()).port;
    let lookups = 0;
    const resolver: HostResolver = async () => {
      lookups++;
      return [{ address: "127.0.0.1", family: 4 }];
    };

    // hooks.runestone.invalid does not exist in DNS: only the pinned address can reach the receiver.
    const result = await new WebhookSender(new Telemetry(), () => FAST, resolver).send({
      url: `http://hooks.runestone.invalid:${port}/hook`,
      secret,
      messageId: "m",
      payload: { ok: 1 },
    });

    expect(result.delivered).toBe(true);
    expect(lookups).toBe(1);
    expect(hook.received[0]?.headers.host).toBe(`hooks.runestone.invalid:${port}`);
    expect(hook.received[0]?.verified).toEqual({ ok: true, payload: { ok: 1 } });
  });

  it("refuses an invalid secret", async () => {
    const result = await new WebhookSender(new Telemetry(), () => FAST).send({
      url: "http://127.0.0.1:1/",
      secret: "",
      messageId: "m",
      payload: {},
    });
    expect(result).toMatchObject({ delivered: false, attempts: 0 });
  });
});
