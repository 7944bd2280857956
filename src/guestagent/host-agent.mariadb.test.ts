import mysql from "mysql2/promise";
import { hostAgentSuite } from "./host-agent.case.test.js";

hostAgentSuite({
  manager: "mariadb",
  memorySettingSql: "SELECT @@innodb_buffer_pool_size AS size",
  async connectAs(host, port, user, password, database) {
    const conn = await mysql.createConnection({ host, port, user, password, database, connectTimeout: 5000 });
    return {
      query: async (sql) => (await conn.query(sql))[0] as Record<string, unknown>[],
      close: () => conn.end(),
    };
  },
});
