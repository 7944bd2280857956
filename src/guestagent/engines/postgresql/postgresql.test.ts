import pg from "pg";
import type { ParameterType } from "../../../domain/index.js";
import { engineConformance } from "../engine.case.test.js";
import type { Credentials, EngineLayout } from "../engine.js";

async function adminQuery<R>(layout: EngineLayout, admin: Credentials, sql: string): Promise<R[]> {
  const client = new pg.Client({
    host: layout.address,
    port: layout.port,
    user: admin.username,
    password: admin.password,
    database: "postgres",
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows as R[];
  } finally {
    await client.end();
  }
}

const TYPES: Record<string, ParameterType> = {
  integer: "integer",
  real: "float",
  bool: "boolean",
  string: "string",
  enum: "string",
};

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
  config: {
    async catalogue(layout, admin) {
      const rows = await adminQuery<Record<string, string | null>>(
        layout,
        admin,
        "SELECT lower(name) AS name, context, vartype, unit, min_val, max_val FROM pg_settings",
      );
      return rows.map((r) => ({
        name: r.name!,
        // Only a postmaster parameter needs a restart; sighup/user/superuser/backend ones take a reload.
        restartRequired: r.context === "postmaster",
        type: TYPES[r.vartype!]!,
        min: r.min_val === null ? null : Number(r.min_val),
        max: r.max_val === null ? null : Number(r.max_val),
        unit: r.unit ?? null,
      }));
    },
    async show(layout, admin, name) {
      const [row] = await adminQuery<Record<string, string>>(layout, admin, `SHOW ${name}`);
      return Object.values(row!)[0]!;
    },
    dynamic: { name: "work_mem", value: "8MB", shown: "8MB" },
    static: { name: "max_connections", value: 42, shown: "42" },
    rejected: { name: "wal_level", value: "bogus" },
  },
});
