/**
 * Compile-time checks of the handler map typed by operationId (src/http/openapi-dispatch.ts). Nothing here runs:
 * `tsc --noEmit` (npm run typecheck, in CI) fails when a check below stops holding, and when an `@ts-expect-error`
 * line stops being an error.
 */
import type { operations } from "../../generated/openapi.js";
import type { HandlersOf, OperationHandlers, OperationInput } from "../../src/http/openapi-dispatch.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<Check extends true> = Check;

type ChatBody = operations["createChatCompletion"]["requestBody"]["content"]["application/json"];
type MessagesBody = operations["createMessage"]["requestBody"]["content"]["application/json"];
type EmbeddingBody = operations["createEmbedding"]["requestBody"]["content"]["application/json"];

export type HandlerMapChecks = [
  // One handler per operationId of the spec, no other.
  Expect<Equal<keyof OperationHandlers, keyof operations>>,
  // Each handler gets its body, path parameters and query as the spec types them.
  Expect<Equal<OperationInput<"createChatCompletion">["body"], ChatBody>>,
  Expect<Equal<OperationInput<"createMessage">["body"], MessagesBody>>,
  Expect<Equal<OperationInput<"createEmbedding">["body"], EmbeddingBody>>,
  // The Messages API's `?beta=true` (Claude Code's) is a typed query parameter.
  Expect<Equal<OperationInput<"createMessage">["query"], { beta?: boolean }>>,
  Expect<Equal<OperationInput<"getJob">["params"], { job_id: string }>>,
  Expect<Equal<OperationInput<"getJob">["query"], { tenant_id?: string }>>,
  Expect<Equal<OperationInput<"getUsage">["query"]["period"], "today" | "7d" | "30d" | "month" | undefined>>,
  // An operation without a body, parameters or query gets none.
  Expect<Equal<OperationInput<"listModels">["body"], undefined>>,
  Expect<Equal<OperationInput<"listModels">["params"], Record<string, never>>>,
];

const noop = (): void => {};

// @ts-expect-error a missing handler: cancelJob
export const missing: HandlersOf<"getJob" | "cancelJob"> = { getJob: noop };

export const misspelled: HandlersOf<"getJob"> = {
  getJob: noop,
  // @ts-expect-error a misspelled operationId
  getJobs: noop,
};

export const wronglyTypedBody: HandlersOf<"createChatCompletion"> = {
  // @ts-expect-error the chat request body is not a string
  createChatCompletion: (_ctx, _input: { body: string }) => {},
};
