import mysql from "mysql2/promise";
import type { ParameterType } from "../../../domain/index.js";
import { engineConformance } from "../engine.case.test.js";
import type { Credentials, EngineLayout } from "../engine.js";

async function adminQuery<R>(layout: EngineLayout, admin: Credentials, sql: string): Promise<R[]> {
  const conn = await mysql.createConnection({
    host: layout.address,
    port: layout.port,
    user: admin.username,
    password: admin.password,
  });
  try {
    return (await conn.query(sql))[0] as R[];
  } finally {
    await conn.end();
  }
}

function typeOf(variableType: string): ParameterType {
  if (variableType === "BOOLEAN") return "boolean";
  if (variableType.includes("INT")) return "integer";
  if (variableType === "DOUBLE") return "float";
  return "string";
}

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
  config: {
    async catalogue(layout, admin) {
      const rows = await adminQuery<Record<string, string | null>>(
        layout,
        admin,
        `SELECT LOWER(VARIABLE_NAME) AS name, READ_ONLY AS readOnly, VARIABLE_TYPE AS type,
                NUMERIC_MIN_VALUE AS min, NUMERIC_MAX_VALUE AS max
           FROM information_schema.SYSTEM_VARIABLES`,
      );
      return rows.map((r) => ({
        name: r.name!,
        // A read-only system variable is set only at start; every other one by SET GLOBAL.
        restartRequired: r.readOnly === "YES",
        type: typeOf(r.type!),
        min: r.min === null ? null : Number(r.min),
        max: r.max === null ? null : Number(r.max),
        unit: null,
      }));
    },
    async show(layout, admin, name) {
      const [row] = await adminQuery<{ v: string }>(layout, admin, `SELECT @@GLOBAL.${name} AS v`);
      return String(row!.v);
    },
    dynamic: { name: "max_connections", value: 42, shown: "42" },
    static: { name: "back_log", value: 100, shown: "100" },
    rejected: { name: "binlog_format", value: "sideways" },
  },
});
