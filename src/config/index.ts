/**
 * config: every option with its documented default (options.ts), resolved once from flags,
 * environment and an optional JSON file into one frozen `Config` (resolve.ts).
 */
export { OPTIONS, ROLES, type Role, type OptionKey, type OptionSpec } from "./options.js";
export { resolveConfig, type Config, type ConfigSources, type WarmPoolConfig } from "./resolve.js";
