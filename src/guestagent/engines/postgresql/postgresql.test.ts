import pg from "pg";
import { engineConformance } from "../engine.case.test.js";

engineConformance({
  manager: "postgresql",
  async connectAs(layout, user, database) {
    const client = new pg.Client({
      host: layout.address,
      port: layout.port,
      user: user.username,
      password: user.password,
      database,
      connectionTimeoutMillis: 3000,
    });
    client.on("error", () => undefined);
    await client.connect().catch(async (err: unknown) => {
      await client.end().catch(() => undefined);
      throw err;
    });
    return {
      query: async (sql): Promise<unknown[]> => (await client.query<Record<string, unknown>>(sql)).rows,
      close: () => client.end(),
    };
  },
});
