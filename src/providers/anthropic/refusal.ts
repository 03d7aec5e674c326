import type { RefusalStopDetails } from "@anthropic-ai/sdk/resources/messages";

/** The refusal text when Anthropic refused without an explanation. */
export const REFUSAL_FALLBACK_MESSAGE = "The model declined to answer this request.";

/** The `refusal` text for a `stop_reason: "refusal"`: Anthropic's explanation, else a generic sentence. */
export function refusalMessage(details: RefusalStopDetails | null | undefined): string {
  const explanation = details?.explanation;
  return typeof explanation === "string" && explanation.trim() !== "" ? explanation : REFUSAL_FALLBACK_MESSAGE;
}
