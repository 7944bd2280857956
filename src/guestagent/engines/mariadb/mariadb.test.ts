import mysql from "mysql2/promise";
import { engineConformance } from "../engine.case.test.js";

engineConformance({
  manager: "mariadb",
  async connectAs(layout, user, database) {
    const conn = await mysql.createConnection({
      host: layout.address,
      port: layout.port,
      user: user.username,
      password: user.password,
      database,
      connectTimeout: 3000,
    });
    return {
      query: async (sql): Promise<unknown[]> => (await conn.query(sql))[0] as unknown[],
      close: () => conn.end(),
    };
  },
  async visibleDatabases(session) {
    const rows = (await session.query("SHOW DATABASES")) as { Database: string }[];
    return rows.map((r) => r.Database).filter((d) => d !== "information_schema");
  },
});
