/** A model as clients and the config name it: `model`, or `provider/model`. */
export interface ModelRef {
  /** Set when the reference starts with a provider's name. */
  provider?: string;
  model: string;
}

/**
 * `provider/model` when the part before the first slash is a provider's name, else the whole is the model's
 * name: model names may hold slashes themselves (`openrouter/meta-llama/llama-3.1-8b` is `meta-llama/llama-3.1-8b`
 * on openrouter), and a prefix that names no provider stays part of the model's name (the router refuses a
 * mistyped one, `opneai/gpt-4o`: routing/provider-prefix.ts).
 */
export function parseModelRef(ref: string, isProvider: (name: string) => boolean): ModelRef {
  const slash = ref.indexOf("/");
  const provider = ref.slice(0, slash);
  return slash > 0 && isProvider(provider) ? { provider, model: ref.slice(slash + 1) } : { model: ref };
}

export function formatModelRef(provider: string, model: string): string {
  return `${provider}/${model}`;
}
