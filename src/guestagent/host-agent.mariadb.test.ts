import mysql from "mysql2/promise";
import { hostAgentSuite } from "./host-agent.case.test.js";

hostAgentSuite({
  manager: "mariadb",
  memorySettingSql: "SELECT @@innodb_buffer_pool_size AS size",
  // ext4, so that resize_volume's stop → grow → start path runs too where ext4 cannot grow online.
  volumeFilesystem: "ext4",
  config: {
    showSql: "SELECT @@GLOBAL.%s AS v",
    dynamic: { name: "max_connections", value: 42, shown: "42" },
    static: { name: "back_log", value: 100, shown: "100" },
    rejected: { binlog_format: "sideways" },
    // A buffer pool no host can map: the running engine refuses it, and so does a start.
    unworkable: { innodb_buffer_pool_size: 4 * 1024 ** 4 },
    unworkableSays: /InnoDB: Cannot map innodb_buffer_pool_size/,
  },
  async connectAs(host, port, user, password, database) {
    const conn = await mysql.createConnection({ host, port, user, password, database, connectTimeout: 5000 });
    return {
      query: async (sql) => (await conn.query(sql))[0] as Record<string, unknown>[],
      close: () => conn.end(),
    };
  },
});
