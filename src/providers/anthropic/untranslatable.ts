import { type GatewayError, invalidRequest } from "../../errors/gateway-error.js";

/**
 * The 400 for a valid Messages API request that asks for something only Claude models do (a PDF, a server
 * tool, prefill…), when the request is routed to another model: code `unsupported_value`, `param` the field.
 */
export function untranslatable(message: string, param: string): GatewayError {
  return invalidRequest(message, param, "unsupported_value");
}
