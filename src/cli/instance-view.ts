import type { ApiContext, WaitFlags } from "./api-command.js";
import { getInstance, type InstanceView } from "./lookup.js";
import { propertyTable, listTable } from "./output.js";
import { waitForInstance } from "./wait.js";

/** What `show` prints of an instance, flattened as troveclient's `_print_instance` does. */
export function instanceProperties(view: InstanceView): Record<string, unknown> {
  const info: Record<string, unknown> = { ...view };
  const obj = (key: string) => (view[key] ?? undefined) as Record<string, unknown> | undefined;
  delete info.links;
  info.flavor = obj("flavor")?.id;
  const volume = obj("volume");
  if (volume) {
    info.volume = volume.size;
    if (volume.used !== undefined) info.volume_used = volume.used;
  }
  if (Array.isArray(view.ip)) info.ip = view.ip.join(", ");
  const datastore = obj("datastore");
  if (datastore) {
    info.datastore = datastore.type;
    info.datastore_version = datastore.version;
  }
  const fault = obj("fault");
  if (fault) {
    info.fault = fault.message;
    info.fault_date = fault.created;
    if (fault.details) info.fault_details = fault.details;
  }
  return info;
}

export function instanceTable(view: InstanceView): string {
  return propertyTable(instanceProperties(view));
}

const LIST_FIELDS = ["id", "name", "datastore", "datastore_version", "status", "flavor_id", "size", "region"];

/** `list`'s columns, as `trove list` shows them. */
export function instanceListTable(views: readonly InstanceView[]): string {
  const rows = views.map((v) => {
    const datastore = (v.datastore ?? {}) as Record<string, unknown>;
    const volume = v.volume as { size?: unknown } | undefined;
    return {
      ...v,
      datastore: datastore.type,
      datastore_version: datastore.version,
      flavor_id: (v.flavor as { id?: unknown } | undefined)?.id,
      size: volume?.size ?? "-",
      region: v.region ?? "",
    };
  });
  return listTable(rows, LIST_FIELDS);
}

/** Waits as `--wait` asks, writing progress to stderr; the final view (undefined once deleted). */
export function awaitInstance(
  ctx: ApiContext,
  id: string,
  until: "active" | "gone",
  flags: WaitFlags,
  initialStatus?: string,
): Promise<InstanceView | undefined> {
  return waitForInstance(() => getInstance(ctx.api, id), {
    until,
    timeoutMs: flags.timeoutMs,
    progress: (line) => ctx.output.err(`${line}\n`),
    ...(initialStatus !== undefined ? { initialStatus } : {}),
  });
}
