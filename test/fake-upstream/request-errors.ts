import type { ErrorScenario, Provider } from "./scenario.js";

export function notFound(provider: Provider, method: string, path: string): ErrorScenario {
  return provider === "openai"
    ? {
        kind: "error",
        status: 404,
        type: "invalid_request_error",
        message: `Invalid URL (${method} ${path})`,
        code: null,
      }
    : { kind: "error", status: 404, type: "not_found_error", message: "Not Found" };
}

export function unparseableBody(provider: Provider): ErrorScenario {
  return provider === "openai"
    ? {
        kind: "error",
        status: 400,
        type: "invalid_request_error",
        code: null,
        message:
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP " +
          "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you " +
          "have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
      }
    : {
        kind: "error",
        status: 400,
        type: "invalid_request_error",
        message: "There was an error parsing the body of your request",
      };
}
