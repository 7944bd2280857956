import type { EngineFigures } from "../../../domain/index.js";
import type { ReadFigures } from "../readiness.js";
import { withMy } from "./client.js";

/**
 * One statement over one session, the heartbeat's: the server's own status counters, running
 * totals since the server started. Threads_connected counts this session too.
 */
const FIGURES_SQL =
  "SHOW GLOBAL STATUS WHERE Variable_name IN " +
  "('Threads_connected', 'Questions', 'Handler_commit', 'Handler_rollback')";

export const readMariadbFigures: ReadFigures = async (layout, admin, timeouts) => {
  const rows = await withMy(
    layout,
    { via: "tcp", admin },
    "read the engine's figures",
    (s) => s.query<{ Variable_name: string; Value: string }>(FIGURES_SQL),
    timeouts,
  );
  const status = new Map(rows.map((r) => [r.Variable_name.toLowerCase(), Number(r.Value)]));
  const figures: EngineFigures = {};
  const threads = status.get("threads_connected");
  if (threads !== undefined) figures.connections = Math.max(0, threads - 1);
  const questions = status.get("questions");
  if (questions !== undefined) figures.queries = questions;
  const commits = status.get("handler_commit");
  const rollbacks = status.get("handler_rollback");
  if (commits !== undefined && rollbacks !== undefined) figures.transactions = commits + rollbacks;
  return figures;
};
