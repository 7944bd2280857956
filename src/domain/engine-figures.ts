/**
 * The engine's own figures that a guest agent reads with each heartbeat and the control plane
 * serves as Prometheus series, one per instance. Each entry is a figure's name (the key a
 * heartbeat carries), its Prometheus metric and type, and what it means. To add a figure
 * (replication lag, …), add one line here and have the engine drivers that can measure it
 * return it (`Engine.observe`); the conductor stores it and /metrics serves it as is.
 *  - gauge: the value now;
 *  - counter: a running total since the engine started (it restarts at 0 when the engine does,
 *    which Prometheus' rate() and increase() expect), so that rates come from PromQL.
 */
export const ENGINE_FIGURES = {
  connections: {
    type: "gauge",
    metric: "coffer_instance_connections",
    help: "Client sessions open on the engine (the heartbeat's own not counted).",
  },
  queries: {
    type: "counter",
    metric: "coffer_instance_queries_total",
    help: "Statements clients sent the engine (MariaDB/MySQL: Questions).",
  },
  transactions: {
    type: "counter",
    metric: "coffer_instance_transactions_total",
    help: "Transactions the engine ended, committed or rolled back (PostgreSQL: pg_stat_database; MariaDB/MySQL: Handler_commit + Handler_rollback).",
  },
} as const;

export type EngineFigure = keyof typeof ENGINE_FIGURES;
/** What one heartbeat measured; an engine reports the figures it has. */
export type EngineFigures = Partial<Record<EngineFigure, number>>;

export function isEngineFigure(name: string): name is EngineFigure {
  return Object.prototype.hasOwnProperty.call(ENGINE_FIGURES, name);
}

/** The known, finite, non-negative figures of an untrusted object (a bus message); the rest is dropped. */
export function parseEngineFigures(value: unknown): EngineFigures | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const figures: EngineFigures = {};
  for (const [name, v] of Object.entries(value)) {
    if (isEngineFigure(name) && typeof v === "number" && Number.isFinite(v) && v >= 0) figures[name] = v;
  }
  return figures;
}
