/**
 * Whether a provider can take a request now, as the router sees it. The router reads it from one snapshot per
 * request (configured providers, breaker states), so the policy can ask once per catalog model for free.
 */
export type ProviderStatus =
  | { state: "available" }
  | { state: "not_configured" }
  /**
   * Its breaker refuses requests until the cooldown ends (a half-open breaker counts as available: acquire
   * decides whether this request is the probe).
   */
  | { state: "circuit_open" };
