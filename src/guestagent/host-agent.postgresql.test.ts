import pg from "pg";
import { hostAgentSuite } from "./host-agent.case.test.js";

hostAgentSuite({
  manager: "postgresql",
  memorySettingSql: "SHOW shared_buffers",
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
