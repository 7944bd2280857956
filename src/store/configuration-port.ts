import type {
  Configuration,
  ConfigurationPatch,
  NewConfiguration,
  ParameterRule,
} from "./configuration-records.js";

/* The same contract as port.ts: get… → undefined when missing; duplicates → ConflictError. */

/** The rules of each datastore version's parameters, keyed by (version, name). */
export interface ParameterRuleRepository {
  /** Creates the rule or replaces the one of that name (trove-manage's load is an upsert). */
  upsert(datastoreVersionId: string, rule: ParameterRule): Promise<ParameterRule>;
  get(datastoreVersionId: string, name: string): Promise<ParameterRule | undefined>;
  /** Ordered by name. */
  list(datastoreVersionId: string): Promise<ParameterRule[]>;
  delete(datastoreVersionId: string, name: string): Promise<boolean>;
  /** Removes every rule of the version; resolves how many. */
  deleteAll(datastoreVersionId: string): Promise<number>;
}

export interface ConfigurationRepository {
  /** Duplicate id → ConflictError CONFIGURATION_EXISTS; unknown version → REFERENCE_VIOLATION. */
  create(configuration: NewConfiguration): Promise<Configuration>;
  get(id: string): Promise<Configuration | undefined>;
  /** Ordered by id; `afterId` is the pagination marker (ids greater than it). */
  list(filter?: { projectId?: string; limit?: number; afterId?: string }): Promise<Configuration[]>;
  update(id: string, patch: ConfigurationPatch): Promise<Configuration | undefined>;
  delete(id: string): Promise<boolean>;
}

export interface ConfigurationRepositories {
  readonly parameterRules: ParameterRuleRepository;
  readonly configurations: ConfigurationRepository;
}
