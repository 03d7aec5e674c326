import { parseConfig } from "../../src/config/load-config.js";
import { buildSnapshot, type Snapshot } from "../../src/config-snapshot.js";

/** What a config file that sets nothing gives the components: the schema's defaults, derived as the gateway does. */
export const DEFAULTS: Snapshot = buildSnapshot(parseConfig({}, {}, "defaults"));
