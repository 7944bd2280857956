import type { DatastoreVersion, ParameterRule } from "../../../domain/index.js";
import type { Configuration } from "../../../store/index.js";
import { troveTime } from "../instances/view.js";

/** A version and its datastore's name, as views need them. */
export interface VersionInfo {
  version: DatastoreVersion;
  datastoreName: string;
}

/** The list view of a group (§2.11). */
export function configurationView(group: Configuration, v: VersionInfo | undefined): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    created: troveTime(group.createdAt),
    updated: troveTime(group.updatedAt),
    datastore_version_id: group.datastoreVersionId,
    datastore_name: v?.datastoreName ?? null,
    datastore_version_name: v?.version.name ?? null,
  };
}

/** show/create: also the values, how many instances use it, and the engine version. */
export function configurationDetail(
  group: Configuration,
  v: VersionInfo | undefined,
  instanceCount: number,
): Record<string, unknown> {
  return {
    ...configurationView(group, v),
    values: group.values,
    instance_count: instanceCount,
    datastore_version_number: v?.version.version ?? null,
  };
}

/** Trove leaves min and max out when they are null or 0; `unit` is Coffer's addition. */
export function parameterView(versionId: string, rule: ParameterRule): Record<string, unknown> {
  return {
    name: rule.name,
    datastore_version_id: versionId,
    restart_required: rule.restartRequired,
    type: rule.type,
    ...(rule.min ? { min: rule.min } : {}),
    ...(rule.max ? { max: rule.max } : {}),
    ...(rule.unit ? { unit: rule.unit } : {}),
  };
}

/** The admin's view (/mgmt) names the bounds min_size and max_size. */
export function mgmtParameterView(versionId: string, rule: ParameterRule): Record<string, unknown> {
  const { min, max, ...rest } = parameterView(versionId, rule);
  return {
    ...rest,
    ...(min !== undefined ? { min_size: min } : {}),
    ...(max !== undefined ? { max_size: max } : {}),
  };
}
