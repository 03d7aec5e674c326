import { createHash } from "node:crypto";
import type { EmbeddingCreateParams } from "openai/resources/embeddings";
import type { ErrorScenario, Scenario } from "./scenario.js";
import { estimatePromptTokens } from "./token-estimates.js";

/**
 * Every parameter of an embeddings request the real API accepts: the keys of `EmbeddingCreateParams` in the
 * installed `openai` SDK. Anything else gets 400 "Unrecognized request argument supplied". When the SDK gains or
 * loses a parameter, `tsc` fails here.
 */
export const OPENAI_EMBEDDING_PARAMS = [
  "input",
  "model",
  "dimensions",
  "encoding_format",
  "user",
] as const satisfies readonly (keyof EmbeddingCreateParams)[];

type AllOf<Missing extends never> = Missing;
export type OpenAiEmbeddingParamsComplete = AllOf<
  Exclude<keyof EmbeddingCreateParams, (typeof OPENAI_EMBEDDING_PARAMS)[number]>
>;

/** The vector length of each model the fake knows; others (local models) get 768. */
const NATIVE_DIMENSIONS: Readonly<Record<string, number>> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
};
const LOCAL_MODEL_DIMENSIONS = 768;
/** Only the text-embedding-3 models (and later) can shorten their vectors. */
const SHORTENABLE = /^text-embedding-3-/;

const ACCEPTED: ReadonlySet<string> = new Set(OPENAI_EMBEDDING_PARAMS);

function invalidRequest(message: string, param: string | null = null): ErrorScenario {
  return { kind: "error", status: 400, type: "invalid_request_error", message, param, code: null };
}

/** An input item: a string, or a token array. */
type Input = string | number[];

function inputsOf(input: unknown): Input[] | undefined {
  if (typeof input === "string") return input === "" ? undefined : [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === "number" && Number.isInteger(item))) return [input as number[]];
  const items: Input[] = [];
  for (const item of input) {
    if (typeof item === "string" && item !== "") items.push(item);
    else if (Array.isArray(item) && item.length > 0 && item.every((t) => typeof t === "number")) items.push(item);
    else return undefined;
  }
  return items;
}

/** The checks the real embeddings endpoint makes, with its wording. */
export function validateOpenAiEmbeddingsRequest(body: Record<string, unknown>): ErrorScenario | undefined {
  const unknown = Object.keys(body).filter((field) => !ACCEPTED.has(field));
  if (unknown.length === 1) return invalidRequest(`Unrecognized request argument supplied: ${unknown[0]}`);
  if (unknown.length > 1)
    return invalidRequest(`Unrecognized request arguments supplied: ${unknown.sort().join(", ")}`);
  if (typeof body.model !== "string" || body.model === "") return invalidRequest("you must provide a model parameter");
  if (body.input === undefined) return invalidRequest("'input' is a required property");
  if (inputsOf(body.input) === undefined) {
    return invalidRequest(
      "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
      "input",
    );
  }
  const format = body.encoding_format;
  if (format !== undefined && format !== "float" && format !== "base64") {
    return invalidRequest(`'${String(format)}' is not one of ['float', 'base64'] - 'encoding_format'`);
  }
  const { dimensions } = body;
  if (dimensions !== undefined) {
    if (!SHORTENABLE.test(body.model)) return invalidRequest("This model does not support specifying dimensions.");
    if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1) {
      return invalidRequest(`Invalid value for 'dimensions' = ${String(dimensions)}. Must be a positive integer.`);
    }
  }
  return undefined;
}

/** A unit vector that depends only on the input and the length asked for. */
function vectorOf(input: Input, length: number): Float32Array {
  const seed = typeof input === "string" ? input : input.join(",");
  const vector = new Float32Array(length);
  let block = Buffer.alloc(0);
  for (let i = 0; i < length; i++) {
    if (i % 8 === 0)
      block = createHash("sha256")
        .update(`${seed}|${i / 8}`)
        .digest();
    vector[i] = block.readInt32LE((i % 8) * 4) / 2 ** 31;
  }
  const norm = Math.hypot(...vector);
  return vector.map((x) => x / norm);
}

/** How the fake answers a valid embeddings request: deterministic unit vectors, as floats or base64 float32 LE. */
export function openaiEmbeddingsAnswer(body: Record<string, unknown>): Scenario {
  const model = String(body.model);
  const inputs = inputsOf(body.input) ?? [];
  const length =
    typeof body.dimensions === "number" ? body.dimensions : (NATIVE_DIMENSIONS[model] ?? LOCAL_MODEL_DIMENSIONS);
  const tokens = inputs.reduce(
    (sum, input) => sum + (typeof input === "string" ? estimatePromptTokens(input) : input.length),
    0,
  );
  return {
    kind: "json",
    body: {
      object: "list",
      data: inputs.map((input, index) => {
        const vector = vectorOf(input, length);
        return {
          object: "embedding",
          index,
          embedding:
            body.encoding_format === "base64" ? Buffer.from(vector.buffer).toString("base64") : Array.from(vector),
        };
      }),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
  };
}

/** The vector the fake gives `input` at `length`, as a client decodes it (for tests to compare with). */
export function expectedEmbedding(input: string, length: number): number[] {
  return Array.from(vectorOf(input, length));
}
