import { randomBytes, randomInt } from "node:crypto";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function randomAlphanumeric(length: number): string {
  let result = "";
  for (let i = 0; i < length; i++) result += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return result;
}

// Shapes copied from real responses, e.g. chatcmpl-CiKIfaJe92tvtH3QZModD64Qz5uvn,
// call_8wSWhuzOhClEzH8c2pYjRIiz, msg_01QC4g3HwBThD4BaNtBckFDJ, toolu_01KFbKqPYSuAKujiL6mTfzYA.
export const newChatCompletionId = (): string => `chatcmpl-${randomAlphanumeric(29)}`;
export const newToolCallId = (): string => `call_${randomAlphanumeric(24)}`;
export const newSystemFingerprint = (): string => `fp_${randomBytes(5).toString("hex")}`;
export const newOpenAiRequestId = (): string => `req_${randomBytes(16).toString("hex")}`;

export const newAnthropicMessageId = (): string => `msg_01${randomAlphanumeric(22)}`;
export const newToolUseId = (): string => `toolu_01${randomAlphanumeric(22)}`;
export const newAnthropicRequestId = (): string => `req_011C${randomAlphanumeric(20)}`;
