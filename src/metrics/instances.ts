import { Counter, Gauge, Registry } from "prom-client";
import { ENGINE_FIGURES, visibleStatus, type EngineFigure, type EngineFigures } from "../domain/index.js";
import type { Instance, Store } from "../store/index.js";

/**
 * Per-instance series, labelled `instance_id` and `project_id`: read from the store at scrape
 * time (the conductor writes what the guest agents' heartbeats carry), so that any API process
 * serves every instance's whichever conductor received its heartbeats, and nothing of it is kept
 * in memory between scrapes.
 */
export interface InstanceSeries {
  id: string;
  projectId: string;
  name: string;
  datastore: string;
  datastoreVersion: string;
  host: string;
  status: string;
  /** The engine answered the last heartbeat's query, and that heartbeat has not expired. */
  up: boolean;
  volumeSizeGb: number;
  volumeUsedGb: number | null;
  lastHeartbeat: Date | null;
  figures: EngineFigures;
  figuresMeasuredAt: Date | null;
}

/** Every live instance's series, or only these instances' (what a project owner may read). */
export async function loadInstanceSeries(
  store: Store,
  options: { now: Date; heartbeatExpiryMs: number; instances?: readonly Instance[] },
): Promise<InstanceSeries[]> {
  const instances = options.instances ?? (await store.instances.list());
  if (instances.length === 0) return [];
  const only = options.instances?.map((i) => i.id);
  const [statuses, figures, versions, datastores] = await Promise.all([
    store.serviceStatuses.list(instances.map((i) => i.id)),
    store.engineFigures.list(only),
    store.datastoreVersions.list(),
    store.datastores.list(),
  ]);
  const statusOf = new Map(statuses.map((s) => [s.instanceId, s]));
  const figuresOf = new Map(figures.map((f) => [f.instanceId, f]));
  const versionOf = new Map(versions.map((v) => [v.id, v]));
  const datastoreOf = new Map(datastores.map((d) => [d.id, d.name]));
  return instances.map((i) => {
    const service = statusOf.get(i.id);
    const version = versionOf.get(i.datastoreVersionId);
    const state = {
      task: i.taskStatus,
      server: i.serverStatus,
      service: service?.status ?? "new",
      serviceUpdatedAt: service?.updatedAt ?? i.createdAt,
      backupRunning: false,
    } as const;
    const fresh =
      service !== undefined &&
      options.now.getTime() - service.updatedAt.getTime() < options.heartbeatExpiryMs;
    const measured = figuresOf.get(i.id);
    return {
      id: i.id,
      projectId: i.projectId,
      name: i.name,
      datastore: (version && datastoreOf.get(version.datastoreId)) ?? "",
      datastoreVersion: version?.name ?? "",
      host: i.host ?? "",
      status: visibleStatus(state, options.now, options.heartbeatExpiryMs).status,
      up: fresh && service.status === "healthy",
      volumeSizeGb: i.volumeSizeGb,
      volumeUsedGb: i.volumeUsedGb,
      lastHeartbeat: service?.updatedAt ?? null,
      figures: measured?.figures ?? {},
      figuresMeasuredAt: measured?.measuredAt ?? null,
    };
  });
}

const GB = 2 ** 30;
const ID_LABELS = ["instance_id", "project_id"] as const;

/** The series in Prometheus' text format. A fresh registry per call: concurrent scrapes share nothing. */
export async function renderInstanceMetrics(series: readonly InstanceSeries[]): Promise<string> {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ID_LABELS, registers });
  const info = new Gauge({
    name: "coffer_instance_info",
    help: "1 for each instance, with its name, datastore, version, host and visible status as labels.",
    labelNames: [...ID_LABELS, "name", "datastore", "datastore_version", "host", "status"],
    registers,
  });
  const up = gauge(
    "coffer_instance_up",
    "1 when the engine answered its last heartbeat's query and that heartbeat has not expired.",
  );
  const size = gauge("coffer_instance_volume_size_bytes", "The instance's volume, as sized.");
  const used = gauge(
    "coffer_instance_volume_used_bytes",
    "Bytes used on the instance's volume, as last measured.",
  );
  const beat = gauge(
    "coffer_instance_last_heartbeat_timestamp_seconds",
    "When the guest agent last reported.",
  );
  const measuredAt = gauge(
    "coffer_instance_figures_timestamp_seconds",
    "When the engine's figures below were read.",
  );
  const figureMetrics = new Map<EngineFigure, Gauge<string> | Counter<string>>();
  for (const [figure, spec] of Object.entries(ENGINE_FIGURES) as [
    EngineFigure,
    (typeof ENGINE_FIGURES)[EngineFigure],
  ][]) {
    const config = { name: spec.metric, help: spec.help, labelNames: ID_LABELS, registers };
    figureMetrics.set(figure, spec.type === "counter" ? new Counter(config) : new Gauge(config));
  }

  for (const s of series) {
    const ids = { instance_id: s.id, project_id: s.projectId };
    info.set(
      {
        ...ids,
        name: s.name,
        datastore: s.datastore,
        datastore_version: s.datastoreVersion,
        host: s.host,
        status: s.status,
      },
      1,
    );
    up.set(ids, s.up ? 1 : 0);
    size.set(ids, s.volumeSizeGb * GB);
    if (s.volumeUsedGb !== null) used.set(ids, Math.round(s.volumeUsedGb * GB));
    if (s.lastHeartbeat) beat.set(ids, s.lastHeartbeat.getTime() / 1000);
    if (s.figuresMeasuredAt) measuredAt.set(ids, s.figuresMeasuredAt.getTime() / 1000);
    for (const [figure, value] of Object.entries(s.figures) as [EngineFigure, number][]) {
      const metric = figureMetrics.get(figure);
      if (metric instanceof Counter) metric.inc(ids, value);
      else metric?.set(ids, value);
    }
  }
  return registry.metrics();
}
