import type { IncomingHttpHeaders } from "node:http";

import type { ErrorScenario } from "./scenario.js";

const OPENAI_MISSING_KEY_MESSAGE =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer " +
  "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're " +
  "accessing the API from your browser and are prompted for a username. You can obtain an API key from " +
  "https://platform.openai.com/account/api-keys.";

function maskKey(key: string): string {
  return key.length <= 8 ? "*".repeat(key.length) : `${key.slice(0, 3)}${"*".repeat(key.length - 7)}${key.slice(-4)}`;
}

function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "")?.[1];
}

function isAccepted(key: string, acceptedKeys: readonly string[] | undefined): boolean {
  return acceptedKeys === undefined || acceptedKeys.includes(key);
}

/** OpenAI wants `Authorization: Bearer <key>`; any key passes unless `acceptedKeys` is given. */
export function checkOpenAiCredentials(
  headers: IncomingHttpHeaders,
  acceptedKeys: readonly string[] | undefined,
): ErrorScenario | undefined {
  const key = bearerToken(headers);
  if (key === undefined) {
    return {
      kind: "error",
      status: 401,
      type: "invalid_request_error",
      message: OPENAI_MISSING_KEY_MESSAGE,
      code: null,
    };
  }
  if (!isAccepted(key, acceptedKeys)) {
    return {
      kind: "error",
      status: 401,
      type: "invalid_request_error",
      code: "invalid_api_key",
      message:
        `Incorrect API key provided: ${maskKey(key)}. ` +
        "You can find your API key at https://platform.openai.com/account/api-keys.",
    };
  }
  return undefined;
}

export function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Anthropic wants `anthropic-version` plus a key: `x-api-key`, or `Authorization: Bearer`, which
 * `@anthropic-ai/sdk` 1.x sends (with version 2026-10-21). Any key passes unless `acceptedKeys` is given.
 */
export function checkAnthropicCredentials(
  headers: IncomingHttpHeaders,
  acceptedKeys: readonly string[] | undefined,
): ErrorScenario | undefined {
  const key = singleHeader(headers["x-api-key"]) || bearerToken(headers);
  if (key === undefined || key === "") {
    return { kind: "error", status: 401, type: "authentication_error", message: "x-api-key header is required" };
  }
  if (!isAccepted(key, acceptedKeys)) {
    return { kind: "error", status: 401, type: "authentication_error", message: "invalid x-api-key" };
  }
  if (singleHeader(headers["anthropic-version"]) === undefined) {
    return {
      kind: "error",
      status: 400,
      type: "invalid_request_error",
      message: "anthropic-version: header is required",
    };
  }
  return undefined;
}
