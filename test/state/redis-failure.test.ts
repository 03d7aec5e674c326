import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { describeRedisFailure, redisAddress, stateBackendUnavailable } from "../../src/state/redis-failure.js";
import { serializeError } from "../../src/telemetry/logger.js";

describe("a Redis failure as clients and logs see it", () => {
  it("names the Redis by host and port, never by its credentials", () => {
    expect(redisAddress("redis://:hunter2@cache.internal:6380/2")).toBe("cache.internal:6380");
    expect(redisAddress("redis://127.0.0.1")).toBe("127.0.0.1:6379");
  });

  it.each([
    ["Command timed out", "it did not answer in time"],
    ["Stream isn't writeable and enableOfflineQueue options is false", "it is not connected"],
    ["connect ECONNREFUSED 127.0.0.1:6380", "it is not connected"],
    ["NOSCRIPT No matching script. Please use EVAL.", "it had lost its scripts"],
    ["LOADING Redis is loading the dataset in memory", "it refused: LOADING"],
  ])("says %j as %j", (message, described) => {
    expect(describeRedisFailure(new Error(message))).toBe(described);
  });

  it("is a 503 state_backend_unavailable with Retry-After whose cause keeps no command arguments", () => {
    const replyError = Object.assign(new Error("Command timed out"), {
      command: { name: "evalsha", args: ["sha", "the prompt"] },
    });
    const error = stateBackendUnavailable("127.0.0.1:6380", replyError);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.status).toBe(503);
    expect(error.code).toBe("state_backend_unavailable");
    expect(error.responseHeaders()["retry-after"]).toBe("1");
    expect(error.message).toBe(
      "The state backend (Redis at 127.0.0.1:6380) is unavailable: it did not answer in time. Try again shortly.",
    );
    expect(JSON.stringify(serializeError(error.cause))).not.toContain("the prompt");
  });

  it("logs an error without the command and arguments a Redis client attached to it", () => {
    const nodeRedisError = Object.assign(new Error("NOSCRIPT No matching script"), {
      command: "EVALSHA",
      args: ["sha", 1, "key", '{"messages":[{"content":"the prompt"}]}'],
      code: "NOSCRIPT",
    });
    const logged = JSON.stringify(serializeError(nodeRedisError));
    expect(logged).not.toContain("the prompt");
    expect(logged).toContain("NOSCRIPT");
  });
});
