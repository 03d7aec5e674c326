import { anthropicErrorBody } from "./anthropic-errors.js";
import { newAnthropicRequestId, newOpenAiRequestId } from "./ids.js";
import { openaiErrorBody } from "./openai-errors.js";
import type { ErrorScenario, Provider } from "./scenario.js";

export function newRequestId(provider: Provider): string {
  return provider === "openai" ? newOpenAiRequestId() : newAnthropicRequestId();
}

/** Headers every real response of the provider carries. */
export function providerHeaders(provider: Provider, requestId: string): Record<string, string> {
  return provider === "openai"
    ? { "x-request-id": requestId, "openai-version": "2020-10-01", "openai-processing-ms": "1" }
    : { "request-id": requestId, "anthropic-organization-id": "00000000-0000-4000-8000-000000000000" };
}

export function errorBody(provider: Provider, scenario: ErrorScenario, requestId: string): object {
  return provider === "openai"
    ? openaiErrorBody(scenario.status, scenario)
    : anthropicErrorBody(scenario.status, scenario, requestId);
}
