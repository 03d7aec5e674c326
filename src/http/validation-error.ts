import type { ErrorObject } from "ajv";
import type { ErrorCode } from "../errors/error-table.js";
import { GatewayError } from "../errors/gateway-error.js";

const COMBINATORS = new Set(["oneOf", "anyOf", "discriminator", "if"]);

/** `/requestBody/messages/0/content` → `messages[0].content` (OpenAI's way of naming a field). */
export function toParam(instancePath: string): string {
  const parts = instancePath.split("/").slice(1);
  if (parts[0] === "requestBody" || parts[0] === "query" || parts[0] === "params" || parts[0] === "headers")
    parts.shift();
  return parts.reduce(
    (param, part) => (/^\d+$/.test(part) ? `${param}[${part}]` : param ? `${param}.${part}` : part),
    "",
  );
}

function depth(error: ErrorObject): number {
  return error.instancePath.split("/").length;
}

function describe(errors: ErrorObject[], param: string): { message: string; code: ErrorCode; param: string } {
  const first = errors[0] as ErrorObject;
  const params = first.params as Record<string, unknown>;
  switch (first.keyword) {
    case "required": {
      const field = param ? `${param}.${String(params.missingProperty)}` : String(params.missingProperty);
      return { message: `${field} is required`, code: "missing_required_parameter", param: field };
    }
    case "type": {
      const expected = [
        ...new Set(errors.filter((e) => e.keyword === "type").map((e) => String((e.params as { type: unknown }).type))),
      ];
      return { message: `${param || "body"}: expected ${expected.join(" or ")}`, code: "invalid_type", param };
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).filter((v) => v !== null).map((v) => JSON.stringify(v));
      return { message: `${param}: must be one of ${allowed.join(", ")}`, code: "invalid_value", param };
    }
    case "additionalProperties":
      return {
        message: `${param ? `${param}.` : ""}${String(params.additionalProperty)} is not allowed here`,
        code: "unknown_parameter",
        param: param ? `${param}.${String(params.additionalProperty)}` : String(params.additionalProperty),
      };
    case "discriminator": {
      const tag = String(params.tag);
      return {
        message: `${param ? `${param}.` : ""}${tag}: ${JSON.stringify(params.tagValue)} is not a valid ${tag}`,
        code: "invalid_value",
        param: param ? `${param}.${tag}` : tag,
      };
    }
    default:
      return { message: `${param || "body"}: ${first.message ?? "is invalid"}`, code: "invalid_value", param };
  }
}

/**
 * The clearest single error out of Ajv's list: the deepest one that is not a mere "did not match oneOf",
 * together with its siblings at the same place (so a field that may be a string or an array says both).
 */
export function validationError(errors: readonly ErrorObject[] | null | undefined): GatewayError {
  const concrete = (errors ?? []).filter((e) => !COMBINATORS.has(e.keyword) || e.keyword === "discriminator");
  const pool = concrete.length > 0 ? concrete : [...(errors ?? [])];
  if (pool.length === 0) return new GatewayError("invalid_value", "The request is invalid.");
  const deepestPath = pool.reduce((best, e) => (depth(e) > depth(best) ? e : best)).instancePath;
  const here = pool.filter((e) => e.instancePath === deepestPath);
  // When one branch of a oneOf had the right type, its own complaint (too many items, say) is the one to tell.
  const deepest = here.find((e) => e.keyword !== "type") ?? (here[0] as ErrorObject);
  const siblings = here.filter((e) => e.keyword === deepest.keyword);
  const described = describe(siblings, toParam(deepest.instancePath));
  return new GatewayError(described.code, described.message, { param: described.param || null });
}
