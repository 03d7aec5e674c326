import type { ErrorScenario } from "./scenario.js";

function invalidRequest(message: string, param: string | null, code: string | null): ErrorScenario {
  return { kind: "error", status: 400, type: "invalid_request_error", message, param, code };
}

/** Minimal checks of a chat completion request, with the real API's wording. */
export function validateOpenAiChatRequest(body: Record<string, unknown>): ErrorScenario | undefined {
  if (typeof body.model !== "string" || body.model === "") {
    return invalidRequest("you must provide a model parameter", null, null);
  }
  if (body.messages === undefined) {
    return invalidRequest("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
  }
  if (!Array.isArray(body.messages)) {
    return invalidRequest(
      "Invalid type for 'messages': expected an array, but got an object instead.",
      "messages",
      "invalid_type",
    );
  }
  if (body.messages.length === 0) {
    return invalidRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      "messages",
      "empty_array",
    );
  }
  return undefined;
}
