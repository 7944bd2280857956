/**
 * lib: small generic helpers with no knowledge of Coffer's domain: the logger (with secret
 * redaction), running programs with argument arrays, free ports, polling with a deadline.
 */
export * from "./logger.js";
export * from "./process.js";
export * from "./net.js";
export * from "./retry.js";
