import type { ChatRequest } from "../providers/types.js";
import type { Capability, CapabilityRequirement } from "./route-request.js";

/** The capabilities a chat request names, then those its shape needs (in that order, each once). */
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
  return uniqueCapabilities(requirements);
}

/** The first requirement of each capability, in order. */
export function uniqueCapabilities(requirements: readonly CapabilityRequirement[]): CapabilityRequirement[] {
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
