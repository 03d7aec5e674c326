import {
  ANTHROPIC_COUNT_TOKENS_PARAMS,
  ANTHROPIC_MESSAGES_PARAMS,
  SAMPLING_API_VERSION,
  SAMPLING_PARAMS,
} from "./anthropic-request-params.js";
import { anthropicBlocks } from "./anthropic-request-reading.js";
import { isRecord, stringOrUndefined } from "./json-guards.js";
import type { ErrorScenario } from "./scenario.js";

function invalidRequest(message: string): ErrorScenario {
  return { kind: "error", status: 400, type: "invalid_request_error", message };
}

interface LocatedBlock {
  block: Record<string, unknown>;
  /** Where the API's error message says the block is, e.g. `messages.2.content.0`. */
  path: string;
}

/** Consecutive same-role messages, which the API merges into one turn before checking tool pairing. */
interface Turn {
  role: string;
  firstMessageIndex: number;
  blocks: LocatedBlock[];
}

function mergeIntoTurns(messages: Record<string, unknown>[]): Turn[] {
  const turns: Turn[] = [];
  messages.forEach((message, messageIndex) => {
    const role = String(message.role);
    const blocks = anthropicBlocks(message.content).map((block, blockIndex) => ({
      block,
      path: `messages.${messageIndex}.content.${blockIndex}`,
    }));
    const previous = turns.at(-1);
    if (previous?.role === role) previous.blocks.push(...blocks);
    else turns.push({ role, firstMessageIndex: messageIndex, blocks });
  });
  return turns;
}

function idsOf(turn: Turn | undefined, blockType: string, idField: string): string[] {
  return (turn?.blocks ?? [])
    .filter(({ block }) => block.type === blockType)
    .map(({ block }) => stringOrUndefined(block[idField]) ?? "");
}

function checkToolPairing(turns: Turn[]): ErrorScenario | undefined {
  for (const [turnIndex, turn] of turns.entries()) {
    const previousTurn = turns[turnIndex - 1];
    const offeredIds = previousTurn?.role === "assistant" ? idsOf(previousTurn, "tool_use", "id") : [];
    for (const { block, path } of turn.blocks) {
      if (block.type !== "tool_result") continue;
      const id = stringOrUndefined(block.tool_use_id) ?? "";
      if (!offeredIds.includes(id)) {
        return invalidRequest(
          `${path}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. ` +
            "Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
        );
      }
    }
    const nextTurn = turns[turnIndex + 1];
    if (turn.role !== "assistant" || nextTurn === undefined) continue;
    const answeredIds = idsOf(nextTurn, "tool_result", "tool_use_id");
    const unanswered = idsOf(turn, "tool_use", "id").filter((id) => !answeredIds.includes(id));
    if (unanswered.length > 0) {
      return invalidRequest(
        `messages.${nextTurn.firstMessageIndex}: \`tool_use\` ids were found without \`tool_result\` blocks ` +
          `immediately after: ${unanswered.join(", ")}. ` +
          "Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
      );
    }
  }
  return undefined;
}

function checkMessageShapes(messages: unknown[]): ErrorScenario | undefined {
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message)) return invalidRequest(`messages.${index}: Input should be a valid dictionary`);
    if (message.role === "system") {
      return invalidRequest(
        `messages.${index}.role: Unexpected role "system". The Messages API accepts a top-level \`system\` ` +
          'parameter, not "system" as an input message role.',
      );
    }
    if (message.role !== "user" && message.role !== "assistant") {
      return invalidRequest(`messages.${index}.role: Input should be 'user' or 'assistant'`);
    }
    if (message.content === undefined) return invalidRequest(`messages.${index}.content: Field required`);
  }
  return undefined;
}

/** Only API version 2023-06-01 gets here with a temperature (2026-10-21 refuses the field itself). */
function checkTemperature(temperature: unknown): ErrorScenario | undefined {
  if (temperature === undefined || temperature === null) return undefined;
  if (typeof temperature !== "number") return invalidRequest("temperature: Input should be a valid number");
  if (temperature < 0) return invalidRequest("temperature: Input should be greater than or equal to 0");
  if (temperature > 1) return invalidRequest("temperature: Input should be less than or equal to 1");
  return undefined;
}

const CURRENT_FIELDS: ReadonlySet<string> = new Set(ANTHROPIC_MESSAGES_PARAMS);
const SAMPLING_VERSION_FIELDS: ReadonlySet<string> = new Set([...ANTHROPIC_MESSAGES_PARAMS, ...SAMPLING_PARAMS]);

/** The API refuses a top-level field it does not know, naming the first one. */
function checkExtraInputs(body: Record<string, unknown>, apiVersion: string | undefined): ErrorScenario | undefined {
  const accepted = apiVersion === SAMPLING_API_VERSION ? SAMPLING_VERSION_FIELDS : CURRENT_FIELDS;
  const extra = Object.keys(body).find((field) => !accepted.has(field));
  return extra === undefined ? undefined : invalidRequest(`${extra}: Extra inputs are not permitted`);
}

/**
 * The checks the real Messages API makes that a translating gateway can get wrong, for the `anthropic-version`
 * the request names. Consecutive same-role turns are accepted (the API merges them).
 */
export function validateAnthropicMessagesRequest(
  body: Record<string, unknown>,
  apiVersion: string | undefined,
): ErrorScenario | undefined {
  if (typeof body.model !== "string") return invalidRequest("model: Field required");
  if (body.max_tokens === undefined) return invalidRequest("max_tokens: Field required");
  if (!Number.isInteger(body.max_tokens)) return invalidRequest("max_tokens: Input should be a valid integer");
  return (
    checkMessages(body.messages) ??
    checkExtraInputs(body, apiVersion) ??
    checkTemperature(body.temperature) ??
    checkToolPairing(mergeIntoTurns(body.messages as Record<string, unknown>[]))
  );
}

const COUNT_TOKENS_FIELDS: ReadonlySet<string> = new Set(ANTHROPIC_COUNT_TOKENS_PARAMS);

/** The checks of POST /v1/messages/count_tokens: a Messages request without max_tokens and the answer's fields. */
export function validateAnthropicCountTokensRequest(body: Record<string, unknown>): ErrorScenario | undefined {
  if (typeof body.model !== "string") return invalidRequest("model: Field required");
  const extra = Object.keys(body).find((field) => !COUNT_TOKENS_FIELDS.has(field));
  if (extra !== undefined) return invalidRequest(`${extra}: Extra inputs are not permitted`);
  return checkMessages(body.messages) ?? checkToolPairing(mergeIntoTurns(body.messages as Record<string, unknown>[]));
}

function checkMessages(messages: unknown): ErrorScenario | undefined {
  if (messages === undefined) return invalidRequest("messages: Field required");
  if (!Array.isArray(messages)) return invalidRequest("messages: Input should be a valid list");
  if (messages.length === 0) return invalidRequest("messages: at least one message is required");
  const shapeError = checkMessageShapes(messages);
  if (shapeError !== undefined) return shapeError;
  if (messages.filter(isRecord)[0]?.role !== "user") {
    return invalidRequest('messages: first message must use the "user" role');
  }
  return undefined;
}
