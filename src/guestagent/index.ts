/**
 * guestagent: one agent per instance (topic `guestagent.<id>`) owning that instance's engine, and
 * the host agent (topic `compute.<host>`) that places instances and runs their guest agents.
 * rpc.ts is the contract both sides and the task manager share.
 */
export * from "./rpc.js";
export { engineFor, allEngines, capabilitiesOf, supportedManagers } from "./engines/index.js";
export { checkSpecs } from "./engines/specs.js";
export type { Engine, EngineCapabilities, EngineInstallation } from "./engines/index.js";
