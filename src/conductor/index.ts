/**
 * conductor: receives guest agents' heartbeats on the `conductor` topic and writes them to the
 * infrastructure database, from which the API derives status and operating_status.
 */
export * from "./rpc.js";
export { createConductor, type Conductor, type ConductorDeps } from "./conductor.js";
