/**
 * domain: pure types and rules shared by every component. Imports nothing outside itself;
 * no I/O, no timers. Errors, clock and id generator ports, and (as they come) the instance
 * status model, flavors, datastores and quotas.
 */
export * from "./errors.js";
export * from "./clock.js";
export * from "./ids.js";
export * from "./instance-status.js";
export * from "./instance-transitions.js";
export * from "./flavors.js";
export * from "./datastores.js";
export * from "./configuration.js";
export * from "./cidr.js";
export * from "./engine-figures.js";
export * from "./events.js";
