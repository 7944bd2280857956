import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * One process's own metrics (the control plane's), in one prom-client registry per process: the
 * composition root makes it and hands it to the components; nothing is global. Labels are bounded
 * (route patterns, workflow and step names, bus topic kinds, error codes), never an instance id:
 * per-instance series come from the store (instances.ts), not from these.
 */
export interface Metrics {
  readonly registry: Registry;
  /** API requests by method, route pattern (`/v1.0/:projectId/instances/:id`) and status. */
  readonly httpRequests: Histogram<"method" | "route" | "status">;
  /** Workflow tasks from being recorded to their end, by workflow and result. */
  readonly tasks: Histogram<"workflow" | "result">;
  /** Each step's run, by workflow, step and result. */
  readonly taskSteps: Histogram<"workflow" | "step" | "result">;
  /** Failed tasks, by workflow, the step that failed and the error's code. */
  readonly taskFailures: Counter<"workflow" | "step" | "code">;
  /** Bus calls this process made, by topic kind (`guestagent`, `compute`, …), method and result. */
  readonly busCalls: Histogram<"topic" | "method" | "result">;
  readonly busCasts: Counter<"topic" | "method">;
  /** Token checks at the API's edge: valid, invalid, missing. */
  readonly tokenChecks: Counter<"result">;
  /** The scheduler's choices of a host for a new instance: placed, or why not. */
  readonly schedulerDecisions: Counter<"result">;
  /** Heartbeats the conductor received, by reported status, and whether it kept them. */
  readonly heartbeats: Counter<"status" | "outcome">;
  /** Instance events recorded by this process, by kind. */
  readonly events: Counter<"kind">;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LONG_SECONDS = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800];

export interface MetricsOptions {
  /**
   * Also the process's own figures (CPU, memory, event loop lag, handles; prom-client's defaults,
   * prefixed `coffer_`). The server turns them on; tests leave them off.
   */
  process?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.process) collectDefaultMetrics({ register: registry, prefix: "coffer_" });
  return {
    registry,
    httpRequests: new Histogram({
      name: "coffer_http_request_duration_seconds",
      help: "API requests, by method, route and status: rate from _count, latency from the buckets.",
      labelNames: ["method", "route", "status"],
      buckets: SECONDS,
      registers,
    }),
    tasks: new Histogram({
      name: "coffer_task_duration_seconds",
      help: "Workflow tasks from being recorded to their end, by workflow and result (succeeded, failed).",
      labelNames: ["workflow", "result"],
      buckets: LONG_SECONDS,
      registers,
    }),
    taskSteps: new Histogram({
      name: "coffer_task_step_duration_seconds",
      help: "Workflow steps, by workflow, step and result (ok, failed).",
      labelNames: ["workflow", "step", "result"],
      buckets: [...SECONDS.slice(0, -1), ...LONG_SECONDS.slice(6)],
      registers,
    }),
    taskFailures: new Counter({
      name: "coffer_task_failures_total",
      help: "Failed workflow tasks, by workflow, the step that failed and the error code.",
      labelNames: ["workflow", "step", "code"],
      registers,
    }),
    busCalls: new Histogram({
      name: "coffer_bus_call_duration_seconds",
      help: "Bus calls (request/response) this process made, by topic kind, method and result (ok, or the error code).",
      labelNames: ["topic", "method", "result"],
      buckets: SECONDS,
      registers,
    }),
    busCasts: new Counter({
      name: "coffer_bus_casts_total",
      help: "Bus casts (fire and forget) this process sent, by topic kind and method.",
      labelNames: ["topic", "method"],
      registers,
    }),
    tokenChecks: new Counter({
      name: "coffer_token_checks_total",
      help: "Token checks at the API's edge, by result (valid, invalid, missing).",
      labelNames: ["result"],
      registers,
    }),
    schedulerDecisions: new Counter({
      name: "coffer_scheduler_decisions_total",
      help: "The scheduler's choices of a compute host for a new instance, by result (placed, or why not).",
      labelNames: ["result"],
      registers,
    }),
    heartbeats: new Counter({
      name: "coffer_heartbeats_total",
      help: "Guest heartbeats the conductor received, by reported status and outcome (recorded, stale, invalid).",
      labelNames: ["status", "outcome"],
      registers,
    }),
    events: new Counter({
      name: "coffer_events_total",
      help: "Instance events recorded by this process, by kind.",
      labelNames: ["kind"],
      registers,
    }),
  };
}

/** `guestagent.<id>` → `guestagent`, `compute.<host>` → `compute`: a bounded label. */
export function topicKind(topic: string): string {
  const dot = topic.indexOf(".");
  return dot < 0 ? topic : topic.slice(0, dot);
}
