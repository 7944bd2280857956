import type { EngineFigures } from "../../../domain/index.js";
import type { ReadFigures } from "../readiness.js";
import { withPg } from "./client.js";

/**
 * One statement over one session, the heartbeat's: client sessions other than this one, and
 * the transactions every database ended (pg_stat_database counts commits and rollbacks since the
 * statistics were last reset, i.e. since the data directory was made: a counter).
 */
const FIGURES_SQL = `
  SELECT (SELECT count(*) FROM pg_stat_activity
           WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())::int AS connections,
         (SELECT coalesce(sum(xact_commit + xact_rollback), 0) FROM pg_stat_database)::float8 AS transactions`;

export const readPostgresqlFigures: ReadFigures = async (layout, admin, timeouts) => {
  const [row] = await withPg(
    layout,
    { via: "tcp", admin },
    "read the engine's figures",
    (s) => s.query<{ connections: number; transactions: number }>(FIGURES_SQL),
    timeouts,
  );
  const figures: EngineFigures = {};
  if (row) {
    figures.connections = Number(row.connections);
    figures.transactions = Number(row.transactions);
  }
  return figures;
};
