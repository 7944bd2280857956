/**
 * guestagent: one agent per instance (topic `guestagent.<id>`) owning that instance's engine, and
 * the host agent (topic `compute.<host>`) that places instances and runs their guest agents.
 * rpc.ts is the contract both sides, the task manager and the API share; engines/rules.ts the rules
 * that names, hosts and passwords of databases and users must follow (checked by the API first).
 *
 * `createHostAgent(deps)` runs inside the process of a compute host (the server, embedded): it
 * provisions and destroys instances through the local ComputeProvider, and keeps one guest agent
 * per instance in the same process. Guest agents prepare, restart, stop, start and resize their
 * engine, and cast heartbeats to the conductor; they never touch the infrastructure database.
 * Engines outlive the host agent; a new one adopts them (docs/guestagent.md).
 */
export * from "./rpc.js";
export { engineFor, allEngines, capabilitiesOf, supportedManagers } from "./engines/index.js";
export { checkSpecs, checkDatabaseSpecs, checkUserSpecs, checkGrantList } from "./engines/specs.js";
export {
  checkDatabaseName,
  checkDatabaseOptions,
  checkHost,
  checkPassword,
  checkUserName,
  checkUserRef,
  parseUserId,
  userKey,
} from "./engines/rules.js";
export type { Engine, EngineCapabilities, EngineInstallation } from "./engines/index.js";
export { createHostAgent, type HostAgent, type HostAgentDeps } from "./host-agent.js";
export type { PoolSpec } from "./pool.js";
export { hostHoldings, removeFromHost, type HostHoldings } from "./host-audit.js";
