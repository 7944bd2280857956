import pg from "pg";
import { hostAgentSuite } from "./host-agent.case.test.js";

hostAgentSuite({
  manager: "postgresql",
  memorySettingSql: "SHOW shared_buffers",
  config: {
    showSql: "SHOW %s",
    dynamic: { name: "work_mem", value: "8MB", shown: "8MB" },
    static: { name: "max_connections", value: 42, shown: "42" },
    rejected: { wal_level: "bogus" },
    // With max_wal_senders > 0 (the default), PostgreSQL refuses to start: only a start finds out.
    unworkable: { wal_level: "minimal" },
    unworkableSays: /WAL streaming .* requires wal_level "replica" or "logical"/,
  },
  async connectAs(host, port, user, password, database) {
    const client = new pg.Client({ host, port, user, password, database, connectionTimeoutMillis: 5000 });
    client.on("error", () => undefined);
    await client.connect().catch(async (err: unknown) => {
      await client.end().catch(() => undefined);
      throw err;
    });
    return {
      query: async (sql) => (await client.query<Record<string, unknown>>(sql)).rows,
      close: () => client.end(),
    };
  },
});
