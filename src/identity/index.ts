/**
 * identity: Coffer's Keystone v3 subset. Password and token authentication with project-scoped
 * and unscoped tokens (stored only as hashes, cached briefly per process), the service catalog,
 * projects, users, roles and role assignments, the first-start bootstrap (admin project, user and
 * admin-openrc.sh), the one policy table for both APIs, and per-project quotas with atomic
 * reservations. HTTP lives in api/; this component speaks records and domain errors only.
 */
export { createIdentity, type Identity, type IdentityConfig, type IdentityDeps } from "./service.js";
export type { AuthRequest, DomainRef, PasswordMethod, ProjectScope } from "./auth-request.js";
export type { TokenService, IssuedToken } from "./token-service.js";
export type { Directory, NewProjectInput, NewUserInput, ProjectChanges, UserChanges } from "./directory.js";
export { DEFAULT_DOMAIN_ID } from "./directory.js";
export type { BootstrapOptions, BootstrapResult } from "./bootstrap.js";
export { ADMIN_NAME, OPENRC_FILE } from "./bootstrap.js";
export { renderOpenrc, type OpenrcVars } from "./openrc.js";
export {
  catalogEndpoints,
  catalogServices,
  COMPUTE_PATH,
  IMAGE_PATH,
  VOLUME_PATH,
  tokenCatalog,
  INTERFACES,
  type CatalogEndpoint,
  type CatalogOptions,
  type CatalogService,
  type EndpointInterface,
  type TokenCatalogEntry,
} from "./catalog.js";
export {
  callerOf,
  keystoneTime,
  renderTokenBody,
  type NamedRef,
  type TokenBody,
  type TokenInfo,
} from "./token-info.js";
export {
  ADMIN_ROLE,
  BUILTIN_ROLES,
  MEMBER_ROLE,
  POLICY,
  READER_ROLE,
  allows,
  canWrite,
  enforce,
  isAdminRoles,
  type Caller,
  type PolicyAction,
  type PolicyEntry,
  type PolicyRule,
  type PolicyTarget,
} from "./policy.js";
export {
  QUOTA_RESOURCES,
  QuotaService,
  isQuotaResource,
  quotaExceeded,
  type QuotaDeltas,
  type QuotaLimits,
  type QuotaResource,
  type QuotaUsageView,
  type Reservation,
} from "./quotas.js";
export {
  createPasswordHasher,
  DEFAULT_SCRYPT_COST,
  type PasswordHasher,
  type ScryptCost,
} from "./passwords.js";
export { generatePassword, hashToken } from "./tokens.js";
