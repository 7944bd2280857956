/**
 * metrics: Prometheus metrics (prom-client, text exposition format). `createMetrics` makes one
 * process's registry of control-plane metrics (requests, tasks and steps, bus calls, token checks,
 * scheduler decisions, heartbeats, events), which the composition root hands to the components;
 * `instrumentBus` times a bus's calls. `loadInstanceSeries` + `renderInstanceMetrics` turn what
 * the store holds about each live instance (status, volume, the figures its engine reported with
 * its heartbeats) into series labelled by instance and project. docs/observability.md lists them.
 */
export { createMetrics, topicKind, type Metrics, type MetricsOptions } from "./metrics.js";
export { instrumentBus } from "./bus.js";
export { loadInstanceSeries, renderInstanceMetrics, type InstanceSeries } from "./instances.js";
