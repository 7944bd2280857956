/**
 * server: the composition root. Chooses the concrete adapters the configuration names (SQLite or
 * PostgreSQL store, in-process or RabbitMQ bus), starts the roles this process runs, and stops
 * them in reverse order. Engine processes are never stopped here: they outlive Coffer.
 */
export { startServer, type RunningServer } from "./start.js";
export { auditHost, formatAudit, type AuditReport, type Drift } from "./audit.js";
