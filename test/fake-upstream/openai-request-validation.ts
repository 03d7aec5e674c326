import { OPENAI_CHAT_PARAMS } from "./openai-chat-params.js";
import type { ErrorScenario } from "./scenario.js";

function invalidRequest(message: string, param: string | null, code: string | null): ErrorScenario {
  return { kind: "error", status: 400, type: "invalid_request_error", message, param, code };
}

const ACCEPTED: ReadonlySet<string> = new Set(OPENAI_CHAT_PARAMS);

/** The real API names every top-level field it does not know, in one message, before its other checks. */
function checkUnrecognized(body: Record<string, unknown>): ErrorScenario | undefined {
  const unknown = Object.keys(body).filter((field) => !ACCEPTED.has(field));
  if (unknown.length === 0) return undefined;
  const message =
    unknown.length === 1
      ? `Unrecognized request argument supplied: ${unknown[0]}`
      : `Unrecognized request arguments supplied: ${unknown.sort().join(", ")}`;
  return invalidRequest(message, null, null);
}

/** Minimal checks of a chat completion request, with the real API's wording. */
export function validateOpenAiChatRequest(body: Record<string, unknown>): ErrorScenario | undefined {
  const unrecognized = checkUnrecognized(body);
  if (unrecognized !== undefined) return unrecognized;
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
