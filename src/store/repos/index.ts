import type { Repositories } from "../port.js";
import type { RepoContext } from "./context.js";
import { domainRepository } from "./domains.js";
import { projectRepository } from "./projects.js";
import { quotaUsageRepository } from "./quota-usages.js";
import { quotaRepository } from "./quotas.js";
import { roleAssignmentRepository } from "./role-assignments.js";
import { roleRepository } from "./roles.js";
import { tokenRepository } from "./tokens.js";
import { userRepository } from "./users.js";

/** Every repository bound to one handle: the pool's, or one transaction's. */
export function makeRepositories(ctx: RepoContext): Repositories {
  return {
    domains: domainRepository(ctx),
    projects: projectRepository(ctx),
    users: userRepository(ctx),
    roles: roleRepository(ctx),
    roleAssignments: roleAssignmentRepository(ctx),
    tokens: tokenRepository(ctx),
    quotas: quotaRepository(ctx),
    quotaUsages: quotaUsageRepository(ctx),
  };
}
