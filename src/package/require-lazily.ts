import { createRequire } from "node:module";

/**
 * Loads a CommonJS dependency where it is first used rather than at start-up: for the ones only some
 * configurations need (ioredis and bee-queue with Redis), which cost start-up time and memory otherwise.
 */
export const requireLazily = createRequire(import.meta.url);
