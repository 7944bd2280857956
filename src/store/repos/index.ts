import type { Repositories } from "../port.js";
import type { RepoContext } from "./context.js";
import { datastoreVersionRepository } from "./datastore-versions.js";
import { datastoreRepository } from "./datastores.js";
import { domainRepository } from "./domains.js";
import { flavorRepository } from "./flavors.js";
import { instanceRepository } from "./instances.js";
import { projectRepository } from "./projects.js";
import { quotaUsageRepository } from "./quota-usages.js";
import { quotaRepository } from "./quotas.js";
import { roleAssignmentRepository } from "./role-assignments.js";
import { roleRepository } from "./roles.js";
import { rootHistoryRepository } from "./root-history.js";
import { serviceStatusRepository } from "./service-statuses.js";
import { taskRepository } from "./tasks.js";
import { tokenRepository } from "./tokens.js";
import { userRepository } from "./users.js";
import { configurationRepository } from "./configurations.js";
import { parameterRuleRepository } from "./parameter-rules.js";
import { engineFiguresRepository } from "./engine-figures.js";
import { eventRepository } from "./events.js";

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
    datastores: datastoreRepository(ctx),
    datastoreVersions: datastoreVersionRepository(ctx),
    flavors: flavorRepository(ctx),
    instances: instanceRepository(ctx),
    serviceStatuses: serviceStatusRepository(ctx),
    tasks: taskRepository(ctx),
    parameterRules: parameterRuleRepository(ctx),
    configurations: configurationRepository(ctx),
    rootHistory: rootHistoryRepository(ctx),
    engineFigures: engineFiguresRepository(ctx),
    events: eventRepository(ctx),
  };
}
