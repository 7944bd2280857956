import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { run, waitFor, type RunResult } from "../src/lib/index.js";
import { cofferBin, startCoffer, trove, type CofferServer } from "./support/coffer-server.js";

/*
 * The users/databases/root issue's "done when", end to end: a real server, one MySQL (MariaDB)
 * and one PostgreSQL instance made with `trove create`, every command through the real `trove`
 * CLI, and the effect checked by logging in with the real `mysql` and `psql` clients as the
 * user. Bad requests go over HTTP, table-driven, each answered with a 4xx fault while the
 * instance's users and databases stay as they were.
 */

interface EngineCase {
  datastore: "mysql" | "postgresql";
  root: string;
  systemDb: string;
  options: string[];
  /** The databases the logged-in user may use. */
  visibleSql: string;
}

const ENGINES: EngineCase[] = [
  {
    datastore: "mysql",
    root: "root",
    systemDb: "mysql",
    options: ["--character_set", "utf8mb4", "--collate", "utf8mb4_unicode_ci"],
    visibleSql: "SHOW DATABASES",
  },
  {
    datastore: "postgresql",
    // As upstream: enable-root makes and returns a superuser named root (its tests log in as it).
    root: "root",
    systemDb: "postgres",
    options: ["--character_set", "UTF8", "--collate", "C.UTF-8"],
    visibleSql:
      "SELECT datname FROM pg_database WHERE NOT datistemplate AND has_database_privilege(datname, 'CONNECT')",
  },
];

let server: CofferServer;
const instances = new Map<string, { id: string; address: string }>();
let api: { base: string; token: string };

before(async () => {
  server = await startCoffer();
  const ids = await Promise.all(
    ENGINES.map(async (e) => {
      const created = await cli([
        "--json",
        "create",
        `ud-${e.datastore}`,
        "2",
        "--size",
        "1",
        "--datastore",
        e.datastore,
        // Created during prepare, under the same rules as through the API.
        "--databases",
        "seed",
        "--users",
        "seeduser:seed-pw",
      ]);
      return [e.datastore, (JSON.parse(created) as { id: string }).id] as const;
    }),
  );
  for (const [datastore, id] of ids) {
    const shown = await waitFor(
      async () => {
        const view = JSON.parse(await cli(["--json", "show", id])) as {
          status: string;
          addresses?: { address: string }[];
        };
        assert.notEqual(view.status, "ERROR", `${datastore} instance failed: ${JSON.stringify(view)}`);
        return view.status === "ACTIVE" ? view : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: `the ${datastore} instance to be ACTIVE` },
    );
    instances.set(datastore, { id, address: shown.addresses![0]!.address });
  }
  api = await adminApi();
});

after(async () => {
  await server?.close();
});

/** A trove command that must succeed; its stdout. */
async function cli(args: string[]): Promise<string> {
  const result = await trove(server, args);
  assert.equal(result.code, 0, `trove ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

const json = async <T>(args: string[]): Promise<T> => JSON.parse(await cli(["--json", ...args])) as T;

/** Runs one statement as `user` with the engine's own command-line client. */
function asUser(
  e: EngineCase,
  user: string,
  password: string,
  database: string,
  sql: string,
): Promise<RunResult> {
  const { address } = instances.get(e.datastore)!;
  const path = process.env.PATH ?? "";
  if (e.datastore === "mysql") {
    const args = ["--no-defaults", "-h", address, "-u", user, `--password=${password}`];
    args.push("--connect-timeout=5", "-N", "-B", "-D", database, "-e", sql);
    return run("mysql", args, { env: { PATH: path }, timeoutMs: 20_000 });
  }
  const args = ["-X", "-w", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", address, "-U", user, "-d", database];
  return run("psql", [...args, "-c", sql], {
    env: { PATH: path, PGPASSWORD: password, PGCONNECT_TIMEOUT: "5" },
    timeoutMs: 20_000,
  });
}

async function canUse(e: EngineCase, user: string, password: string, database: string): Promise<boolean> {
  return (await asUser(e, user, password, database, "SELECT 1")).code === 0;
}

/** The databases a user sees once logged in (MariaDB's information_schema aside). */
async function visible(e: EngineCase, user: string, password: string, database: string): Promise<string[]> {
  const result = await asUser(e, user, password, database, e.visibleSql);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && l !== "information_schema")
    .sort();
}

/** The admin's token and database endpoint, for the HTTP half. */
async function adminApi(): Promise<{ base: string; token: string }> {
  const env = server.env;
  const res = await fetch(`${server.url}/v3/auth/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ["password"],
          password: {
            user: {
              name: env.OS_USERNAME,
              password: env.OS_PASSWORD,
              domain: { name: env.OS_USER_DOMAIN_NAME },
            },
          },
        },
        scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: env.OS_PROJECT_DOMAIN_NAME } } },
      },
    }),
  });
  assert.equal(res.status, 201);
  const body = (await res.json()) as { token: { project: { id: string } } };
  return { base: `${server.url}/v1.0/${body.token.project.id}`, token: res.headers.get("x-subject-token")! };
}

/** The parts of the answers this file reads. */
interface Answer {
  users: { name: string }[];
  links?: { href: string }[];
  root_history: { id: string; enabled: string };
}

async function http(method: string, path: string, body?: unknown): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${api.base}${path}`, {
    method,
    headers: {
      "x-auth-token": api.token,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === "" ? undefined : JSON.parse(text)) as Answer };
}

const names = (list: { name: string }[]) => list.map((d) => d.name).sort();

/** Coffer's own CLI with the admin's OS_* variables; must succeed. */
async function coffer(args: string[]): Promise<string> {
  const result = await run(process.execPath, [cofferBin, ...args], { env: server.env, timeoutMs: 60_000 });
  assert.equal(result.code, 0, `coffer ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

for (const e of ENGINES) {
  describe(`${e.datastore}: users, databases and root through the trove CLI`, () => {
    const id = () => instances.get(e.datastore)!.id;

    test("databases and users given to trove create exist once ACTIVE; a bad one fails the create", async () => {
      assert.deepEqual(await visible(e, "seeduser", "seed-pw", "seed"), ["seed"]);
      const bad = await trove(server, [
        "create",
        `bad-${e.datastore}`,
        "2",
        "--size",
        "1",
        "--datastore",
        e.datastore,
        "--databases",
        "fine",
        "--users",
        "os_admin:pw",
      ]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /User name "os_admin" is reserved/);
      const all = await json<{ name: string }[]>(["list"]);
      assert.ok(!all.some((i) => i.name === `bad-${e.datastore}`), "no instance was recorded");
      await cli(["user-delete", id(), "seeduser"]);
      await cli(["database-delete", id(), "seed"]);
      assert.equal(await canUse(e, "seeduser", "seed-pw", "seed"), false);
    });

    test("database-create, database-list, database-delete", async () => {
      await cli(["database-create", id(), "shop"]);
      await cli(["database-create", id(), "blog", ...e.options]);
      await cli(["database-create", id(), "ledger"]);
      assert.deepEqual(names(await json(["database-list", id()])), ["blog", "ledger", "shop"]);
      await cli(["database-delete", id(), "blog"]);
      assert.deepEqual(names(await json(["database-list", id()])), ["ledger", "shop"]);
    });

    test("user-create: the user logs in and sees exactly its databases; user-list and user-show", async () => {
      await cli(["user-create", id(), "alice", "alice-pw1", "--databases", "shop"]);
      assert.deepEqual(await visible(e, "alice", "alice-pw1", "shop"), ["shop"]);
      const create = await asUser(e, "alice", "alice-pw1", "shop", "CREATE TABLE items (id integer)");
      assert.equal(create.code, 0, create.stderr);
      assert.equal(await canUse(e, "alice", "alice-pw1", "ledger"), false, "ledger was not granted");
      assert.equal(await canUse(e, "alice", "wrong", "shop"), false);

      const listed = await json<{ name: string; host?: string; databases: { name: string }[] }[]>([
        "user-list",
        id(),
      ]);
      assert.deepEqual(
        listed.map((u) => u.name),
        ["alice"],
        "no system, admin or root account is listed",
      );
      const shown = await json<{ name: string; host?: string; databases: { name: string }[] }>([
        "user-show",
        id(),
        "alice",
      ]);
      assert.deepEqual(shown, {
        name: "alice",
        host: "%", // PostgreSQL users too: Trove always shows a host
        databases: [{ name: "shop" }],
      });
    });

    test("user-grant-access, user-show-access, user-revoke-access, user-update-attributes, user-delete", async () => {
      await cli(["user-grant-access", id(), "alice", "ledger"]);
      assert.deepEqual(names(await json(["user-show-access", id(), "alice"])), ["ledger", "shop"]);
      assert.deepEqual(await visible(e, "alice", "alice-pw1", "ledger"), ["ledger", "shop"]);

      await cli(["user-revoke-access", id(), "alice", "ledger"]);
      assert.deepEqual(names(await json(["user-show-access", id(), "alice"])), ["shop"]);
      assert.equal(await canUse(e, "alice", "alice-pw1", "ledger"), false, "revoked");
      assert.equal(await canUse(e, "alice", "alice-pw1", "shop"), true);

      await cli([
        "user-update-attributes",
        id(),
        "alice",
        "--new_name",
        "alicia",
        "--new_password",
        "alicia-pw2",
      ]);
      assert.equal(await canUse(e, "alice", "alice-pw1", "shop"), false, "the old name is gone");
      const rows = await asUser(e, "alicia", "alicia-pw2", "shop", "SELECT count(*) FROM items");
      assert.equal(rows.code, 0, `renamed, same grants and tables: ${rows.stderr}`);

      await cli(["user-delete", id(), "alicia"]);
      assert.equal(await canUse(e, "alicia", "alicia-pw2", "shop"), false, "deleted");
      assert.deepEqual(await json(["user-list", id()]), []);
    });

    test("bad names and requests: a 4xx fault each, saying what is wrong; nothing changes", async () => {
      const base = `/instances/${id()}`;
      await cli(["user-create", id(), "keep", "keep-pw", "--databases", "shop"]);
      await cli(["user-create", id(), "other", "other-pw"]);
      const snapshot = async () =>
        JSON.stringify([
          (await http("GET", `${base}/databases`)).body,
          (await http("GET", `${base}/users`)).body,
        ]);
      const before = await snapshot();
      const mysql = e.datastore === "mysql";
      const cases: [string, string, unknown, number, RegExp][] = [
        ["POST", "/databases", { databases: [{ name: "" }] }, 400, /Database name "" is not valid/],
        ["POST", "/databases", { databases: [{ name: "a;b" }] }, 400, /"a;b" is not valid/],
        ["POST", "/databases", { databases: [{ name: "x`y" }] }, 400, /"x`y" is not valid/],
        ["POST", "/databases", { databases: [{ name: "q'uote" }] }, 400, /not valid/],
        [
          "POST",
          "/databases",
          { databases: [{ name: "x".repeat(65) }] },
          400,
          /is not valid: use 1 to 6[34]/,
        ],
        ["POST", "/databases", { databases: [{ name: e.systemDb }] }, 400, /reserved/],
        ["POST", "/databases", { databases: [{ name: "d1" }, { name: "d1" }] }, 400, /more than once/],
        ["POST", "/databases", { databases: [{ name: "shop" }] }, 409, /"shop" already exists/],
        ["POST", "/databases", { databases: [{ name: "fresh" }, { name: "shop" }] }, 409, /already exists/],
        [
          "POST",
          "/databases",
          { databases: [{ name: "cs", character_set: "klingon" }] },
          400,
          /no character set/,
        ],
        [
          "POST",
          "/databases",
          { databases: [{ name: "fresh" }, { name: "co", collate: "no_such" }] },
          400,
          /"co"/,
        ],
        ["POST", "/databases", { databases: [{ name: "n", owner: "x" }] }, 400, /Validation error/],
        ["POST", "/databases", "{not json", 400, /not valid JSON/],
        ["DELETE", "/databases/nope", undefined, 404, /"nope" cannot be found/],
        ["DELETE", `/databases/${e.systemDb}`, undefined, 400, /reserved/],
        ["POST", "/users", { users: [{ name: "os_admin", password: "x" }] }, 400, /reserved/],
        ["POST", "/users", { users: [{ name: e.root, password: "x" }] }, 400, /reserved/],
        ["POST", "/users", { users: [{ name: "bad name", password: "x" }] }, 400, /"bad name" is not valid/],
        ["POST", "/users", { users: [{ name: "u1", password: "" }] }, 400, /password of user/],
        [
          "POST",
          "/users",
          { users: [{ name: "u1", password: "p", databases: [{ name: "nope" }] }] },
          404,
          /"nope"/,
        ],
        [
          "POST",
          "/users",
          {
            users: [
              { name: "u1", password: "p" },
              { name: "u1", password: "q" },
            ],
          },
          400,
          /more than once/,
        ],
        [
          "POST",
          "/users",
          {
            users: [
              { name: "u1", password: "p" },
              { name: "keep", password: "q" },
            ],
          },
          409,
          /"keep.*already exists/,
        ],
        [
          "POST",
          "/users",
          { users: [{ name: "u1", password: "p", host: "not a host" }] },
          400,
          mysql ? /Host "not a host"/ : /no host part/,
        ],
        ["GET", "/users/nobody", undefined, 404, /nobody.* cannot be found/],
        ["GET", "/users/os_admin", undefined, 400, /reserved/],
        ["PUT", "/users/os_admin", { user: { password: "hijack" } }, 400, /reserved/],
        ["DELETE", "/users/os_admin", undefined, 400, /reserved/],
        ["PUT", "/users/keep", { user: { name: "other" } }, 409, /"other.*already exists/],
        ["PUT", "/users/keep", { user: { name: "keep2", admin: true } }, 400, /Validation error/],
        ["PUT", "/users/nobody", { user: { password: "x" } }, 404, /cannot be found/],
        [
          "PUT",
          "/users",
          {
            users: [
              { name: "keep", password: "new" },
              { name: "nobody", password: "x" },
            ],
          },
          404,
          /nobody/,
        ],
        ["PUT", "/users/keep/databases", { databases: [{ name: "nope" }] }, 404, /"nope"/],
        ["PUT", "/users/keep/databases", { databases: [{ name: e.systemDb }] }, 400, /reserved/],
        ["PUT", "/users/keep/databases", { databases: [] }, 400, /Validation error/],
        ["DELETE", "/users/keep/databases/ledger", undefined, 404, /no access to database "ledger"/],
        ["DELETE", "/users/keep/databases/nope", undefined, 404, /"nope" cannot be found/],
        ["POST", "/root", { password: "" }, 400, /password of root/],
        ["GET", "/databases?limit=x", undefined, 400, /limit/],
      ];
      for (const [method, path, body, status, message] of cases) {
        const res = await http(method, `${base}${path}`, body);
        const what = `${method} ${path} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`;
        assert.equal(res.status, status, what);
        const fault = Object.values(res.body as object)[0] as { code: number; message: string };
        assert.equal(fault.code, status, what);
        assert.match(fault.message, message, what);
      }
      assert.equal(await snapshot(), before, "no user or database changed");
      assert.equal(await canUse(e, "keep", "keep-pw", "shop"), true, "keep's password is unchanged");
      assert.equal(await canUse(e, "keep", "keep-pw", "ledger"), false, "nor was anything granted");

      // Pages: the client follows links[rel=next] with its marker.
      const first = await http("GET", `${base}/users?limit=1`);
      assert.deepEqual(names(first.body.users), ["keep"]);
      const next = new URL(first.body.links![0]!.href);
      const rest = await http(
        "GET",
        `${base}/users?limit=1&marker=${encodeURIComponent(next.searchParams.get("marker")!)}`,
      );
      assert.deepEqual(names(rest.body.users), ["other"]);
      assert.equal(rest.body.links, undefined);
    });

    test("coffer's own CLI: the same commands, by instance name", async () => {
      const name = `ud-${e.datastore}`;
      await coffer(["database-create", name, "cli_db", ...e.options.slice(0, 2)]);
      assert.ok(names(JSON.parse(await coffer(["database-list", name, "--json"]))).includes("cli_db"));
      await coffer(["user-create", name, "cliuser", "cli-pw1", "--databases", "cli_db"]);
      assert.deepEqual(await visible(e, "cliuser", "cli-pw1", "cli_db"), ["cli_db"]);
      assert.match(await coffer(["user-list", name]), /\| cliuser +\|/);
      assert.deepEqual(JSON.parse(await coffer(["user-show", name, "cliuser", "--json"])), {
        name: "cliuser",
        host: "%", // PostgreSQL users too: Trove always shows a host
        databases: [{ name: "cli_db" }],
      });
      await coffer(["user-grant-access", name, "cliuser", "shop"]);
      assert.deepEqual(names(JSON.parse(await coffer(["user-show-access", name, "cliuser", "--json"]))), [
        "cli_db",
        "shop",
      ]);
      await coffer(["user-revoke-access", name, "cliuser", "shop"]);
      assert.equal(await canUse(e, "cliuser", "cli-pw1", "shop"), false);
      await coffer(["user-update-attributes", name, "cliuser", "--new_password", "cli-pw2"]);
      assert.equal(await canUse(e, "cliuser", "cli-pw2", "cli_db"), true);
      const missing = await run(process.execPath, [cofferBin, "user-show", name, "nobody"], {
        env: server.env,
      });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /nobody.* cannot be found on the instance\. \(HTTP 404\)/);
      await coffer(["user-delete", name, "cliuser"]);
      assert.equal(await canUse(e, "cliuser", "cli-pw2", "cli_db"), false);
      await coffer(["database-delete", name, "cli_db"]);

      assert.deepEqual(JSON.parse(await coffer(["root-show", name, "--json"])), { is_root_enabled: false });
      const root = JSON.parse(await coffer(["root-enable", name, "--root_password", "cli-root-1", "--json"]));
      assert.deepEqual(root, { name: e.root, password: "cli-root-1" });
      assert.equal(await canUse(e, e.root, "cli-root-1", "shop"), true);
      assert.match(await coffer(["root-show", name]), /is_root_enabled +\| true/);
      await coffer(["root-disable", name]);
      assert.equal(await canUse(e, e.root, "cli-root-1", "shop"), false);
    });

    test("root-enable, root-show, root-disable: root can do anything, then cannot log in", async () => {
      assert.deepEqual(await json(["root-show", id()]), { is_root_enabled: false });
      const root = await json<{ name: string; password: string }>(["root-enable", id()]);
      assert.equal(root.name, e.root);
      assert.deepEqual(await json(["root-show", id()]), { is_root_enabled: true });
      const made = await asUser(e, root.name, root.password, "shop", "CREATE DATABASE made_by_root");
      assert.equal(made.code, 0, made.stderr);
      assert.ok(names(await json(["database-list", id()])).includes("made_by_root"));

      await cli(["root-disable", id()]);
      assert.deepEqual(await json(["root-show", id()]), { is_root_enabled: false });
      assert.equal(await canUse(e, root.name, root.password, "shop"), false);
      const again = await trove(server, ["root-disable", id()]);
      assert.match(again.stderr, /Root user has never been enabled/);

      await cli(["root-enable", id(), "--root_password", "given-Pw-1"]);
      assert.equal(await canUse(e, root.name, "given-Pw-1", "shop"), true);
      const history = await http("GET", `/mgmt/instances/${id()}/root`);
      assert.equal(history.body.root_history.id, id());
      assert.match(history.body.root_history.enabled, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    });
  });
}
