import type { CatalogEntry } from "../catalog/catalog-entry.js";
import type { ChatRequest } from "../providers/types.js";

export type Capability = CatalogEntry["capabilities"][number];

export interface CapabilityRequirement {
  capability: Capability;
  /** The request field that asks for it: `capabilities`, or the field that implies it. */
  param: string;
  /** Why an implied capability is needed, for error messages ("implied by stream: true"). */
  impliedBy?: string;
}

/** The capabilities the request names, then those its shape needs (in that order, each once). */
export function requiredCapabilities(request: ChatRequest): CapabilityRequirement[] {
  const requirements: CapabilityRequirement[] = (request.capabilities ?? []).map((capability) => ({
    capability,
    param: "capabilities",
  }));
  if (request.stream === true)
    requirements.push({ capability: "streaming", param: "stream", impliedBy: "stream: true" });
  if (request.tools && request.tools.length > 0)
    requirements.push({ capability: "function_calling", param: "tools", impliedBy: "tools" });
  if (hasImagePart(request))
    requirements.push({ capability: "vision", param: "messages", impliedBy: "an image in messages" });
  const seen = new Set<Capability>();
  return requirements.filter(({ capability }) => {
    if (seen.has(capability)) return false;
    seen.add(capability);
    return true;
  });
}

function hasImagePart(request: ChatRequest): boolean {
  return request.messages.some(
    (message) =>
      message.role === "user" &&
      Array.isArray(message.content) &&
      message.content.some((part) => part.type === "image_url"),
  );
}
