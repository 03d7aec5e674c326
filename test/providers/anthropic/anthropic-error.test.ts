import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../../../src/errors/error-table.js";
import { GatewayError, invalidRequest } from "../../../src/errors/gateway-error.js";
import {
  toAnthropicErrorBody,
  toAnthropicErrorEvent,
  toAnthropicErrorType,
} from "../../../src/providers/anthropic/anthropic-error.js";

/** A code of each status (the error table gives a code its status and type). */
const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: "invalid_value",
  401: "invalid_api_key",
  403: "tenant_mismatch",
  404: "unknown_url",
  405: "method_not_allowed",
  409: "job_not_cancellable",
  413: "request_too_large",
  415: "unsupported_media_type",
  429: "rate_limit_exceeded",
  500: "internal_error",
  502: "upstream_error",
  503: "upstream_unavailable",
  504: "upstream_timeout",
};

const error = (status: number, type: GatewayError["type"]): GatewayError => {
  const made = new GatewayError(CODE_OF_STATUS[status] ?? "internal_error", `status ${status}`);
  if (made.status !== status || made.type !== type) throw new Error(`no code of status ${status} and type ${type}`);
  return made;
};

describe("toAnthropicErrorType", () => {
  it.each([
    [400, "invalid_request_error", "invalid_request_error"],
    [401, "authentication_error", "authentication_error"],
    [403, "permission_error", "permission_error"],
    [404, "not_found_error", "not_found_error"],
    [405, "invalid_request_error", "invalid_request_error"],
    [409, "invalid_request_error", "invalid_request_error"],
    [413, "invalid_request_error", "request_too_large"],
    [415, "invalid_request_error", "invalid_request_error"],
    [429, "rate_limit_error", "rate_limit_error"],
    [500, "service_error", "api_error"],
    [502, "service_error", "api_error"],
    [503, "service_error", "overloaded_error"],
    [504, "service_error", "timeout_error"],
  ] as const)("%i %s → %s", (status, type, expected) => {
    expect(toAnthropicErrorType(error(status, type))).toBe(expected);
  });
});

describe("toAnthropicErrorBody and toAnthropicErrorEvent", () => {
  it("names the field at the start of the message, in Anthropic's dotted form", () => {
    const refused = invalidRequest("Not for this model.", "messages[2].content[10].source");
    expect(toAnthropicErrorBody(refused, "req_42")).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "messages.2.content.10.source: Not for this model." },
      request_id: "req_42",
    });
  });

  it("names the field once when the message already starts with it (a validation error's)", () => {
    const invalid = invalidRequest("messages[0].content: expected string or array", "messages[0].content");
    expect(toAnthropicErrorBody(invalid).error.message).toBe("messages.0.content: expected string or array");
  });

  it("has no request_id unless given, and the stream event has the same error", () => {
    const overloaded = new GatewayError("provider_overloaded", "status 503");
    expect(toAnthropicErrorBody(overloaded)).toEqual({
      type: "error",
      error: { type: "overloaded_error", message: "status 503" },
    });
    expect(toAnthropicErrorEvent(overloaded)).toEqual({
      type: "error",
      error: { type: "overloaded_error", message: "status 503" },
    });
  });
});
