import type { ConfigValues, ParameterRule } from "../domain/index.js";

/**
 * Records of configuration groups (migration 0004). Parameter rules are the domain's own type,
 * stored per datastore version.
 */
export type { ParameterRule, ConfigValues };

export interface Configuration {
  id: string;
  projectId: string;
  name: string;
  description: string;
  datastoreVersionId: string;
  /** Checked against the version's rules before they get here; names as the rules spell them. */
  values: ConfigValues;
  createdAt: Date;
  updatedAt: Date;
}

export type NewConfiguration = Omit<Configuration, "updatedAt">;

/** Fields left out are unchanged; `values` replaces all of them. */
export type ConfigurationPatch = Partial<Pick<Configuration, "name" | "description" | "values">> & {
  updatedAt: Date;
};
