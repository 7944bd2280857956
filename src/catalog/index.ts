/**
 * catalog: datastores, their versions and flavors — resolving what a request names (§6.2), the
 * administrator's operations (coffer-manage and /mgmt), and first-start registration of the
 * engines installed on this host with the default flavors.
 */
export * from "./resolve.js";
export * from "./admin.js";
export { registerCatalog } from "./register.js";
