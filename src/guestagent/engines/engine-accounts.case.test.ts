/**
 * The account half of the engine conformance suite (engine.case.test.ts runs it against its
 * running engine, after the first databases and users exist): paging, grant and revoke, rename,
 * passwords, deletes and root, each checked by logging in as the user with the engine's client.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CofferError } from "../../domain/index.js";
import type { ConformanceOptions, UserSession } from "./engine.case.test.js";
import type { Credentials, Engine, EngineLayout, UserRef } from "./engine.js";

interface Target {
  engine: Engine;
  layout: EngineLayout;
  admin: Credentials;
}

const hasCode = (code: string) => (err: unknown) => err instanceof CofferError && err.code === code;

export function accountCases(target: () => Target, options: ConformanceOptions): void {
  const login = (t: Target, username: string, password: string, database: string) =>
    options.connectAs(t.layout, { username, password }, database);
  /** Logs in, runs one query, logs out: resolves whether the user could use the database. */
  const canUse = async (t: Target, username: string, password: string, database: string) => {
    let session: UserSession | undefined;
    try {
      session = await login(t, username, password, database);
      await session.query("SELECT 1");
      return true;
    } catch {
      return false;
    } finally {
      await session?.close().catch(() => undefined);
    }
  };
  const ref = (t: Target, name: string): UserRef =>
    t.engine.capabilities.userHosts ? { name, host: "%" } : { name };

  test("lists come page by page, sorted, with a marker", async () => {
    const t = target();
    const { engine, layout, admin } = t;
    await engine.createDatabases(layout, admin, [{ name: "page_b" }, { name: "page_a" }, { name: "page_c" }]);
    const names: string[] = [];
    let marker: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await engine.listDatabases(layout, admin, { limit: 2, ...(marker ? { marker } : {}) });
      assert.ok(page.items.length <= 2);
      names.push(...page.items.map((d) => d.name));
      marker = page.nextMarker;
      if (marker === undefined) break;
    }
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual(
      names.filter((n) => n.startsWith("page_")),
      ["page_a", "page_b", "page_c"],
    );
    const users = await engine.listUsers(layout, admin, { limit: 1 });
    assert.equal(users.items.length, 1);
    assert.equal(users.nextMarker, undefined, "one user so far: no next page");
  });

  test("grant, revoke, rename, new passwords and delete: the user feels each", async () => {
    const t = target();
    const { engine, layout, admin } = t;
    await engine.createUsers(layout, admin, [{ name: "bob", password: "bob-pw-1", databases: [] }]);
    assert.equal(await canUse(t, "bob", "bob-pw-1", "page_a"), false, "nothing granted yet");

    await engine.grantAccess(layout, admin, ref(t, "bob"), ["page_a", "page_b"]);
    await engine.grantAccess(layout, admin, ref(t, "bob"), ["page_a"]); // idempotent
    assert.equal(await canUse(t, "bob", "bob-pw-1", "page_a"), true);
    assert.deepEqual((await engine.getUser(layout, admin, ref(t, "bob")))?.databases, ["page_a", "page_b"]);

    const open = await login(t, "bob", "bob-pw-1", "page_b");
    await engine.revokeAccess(layout, admin, ref(t, "bob"), "page_b");
    await assert.rejects(open.query("SELECT 1"), "a session in a revoked database ends");
    await open.close().catch(() => undefined);
    assert.equal(await canUse(t, "bob", "bob-pw-1", "page_b"), false);
    assert.equal(await canUse(t, "bob", "bob-pw-1", "page_a"), true, "the other grant stays");
    await engine.revokeAccess(layout, admin, ref(t, "bob"), "page_b"); // idempotent

    await engine.updateUser(layout, admin, ref(t, "bob"), { name: "robert", password: "rob-pw-2" });
    assert.equal(await engine.getUser(layout, admin, ref(t, "bob")), undefined);
    assert.deepEqual((await engine.getUser(layout, admin, ref(t, "robert")))?.databases, ["page_a"]);
    assert.equal(await canUse(t, "bob", "bob-pw-1", "page_a"), false);
    assert.equal(await canUse(t, "robert", "rob-pw-2", "page_a"), true, "grants follow a rename");

    await engine.changePasswords(layout, admin, [{ ...ref(t, "robert"), password: "rob-pw-3" }]);
    assert.equal(await canUse(t, "robert", "rob-pw-2", "page_a"), false);
    assert.equal(await canUse(t, "robert", "rob-pw-3", "page_a"), true);

    await engine.deleteUser(layout, admin, ref(t, "robert"));
    await engine.deleteUser(layout, admin, ref(t, "robert")); // idempotent
    assert.equal(await canUse(t, "robert", "rob-pw-3", "page_a"), false);
    assert.equal(await engine.getUser(layout, admin, ref(t, "robert")), undefined);
  });

  test("a user who created tables can be deleted; the tables stay", async () => {
    const t = target();
    const { engine, layout, admin } = t;
    await engine.createUsers(layout, admin, [{ name: "owner", password: "own-pw", databases: ["page_c"] }]);
    const s = await login(t, "owner", "own-pw", "page_c");
    await s.query("CREATE TABLE kept (id integer)");
    await s.close();
    await engine.deleteUser(layout, admin, ref(t, "owner"));
    assert.equal(await engine.getUser(layout, admin, ref(t, "owner")), undefined);
    await engine.createUsers(layout, admin, [{ name: "reader", password: "rd-pw", databases: ["page_c"] }]);
    assert.equal(await canUse(t, "reader", "rd-pw", "page_c"), true);
    await engine.deleteUser(layout, admin, ref(t, "reader"));
  });

  test("a dropped database takes its grants along: one created later under its name is closed", async () => {
    const t = target();
    const { engine, layout, admin } = t;
    await engine.createDatabases(layout, admin, [{ name: "temp_db" }]);
    await engine.createUsers(layout, admin, [
      { name: "carol", password: "carol-pw", databases: ["temp_db"] },
    ]);
    const open = await login(t, "carol", "carol-pw", "temp_db");
    await engine.deleteDatabase(layout, admin, "temp_db");
    await open.close().catch(() => undefined);
    await engine.deleteDatabase(layout, admin, "temp_db"); // idempotent
    assert.ok(!(await engine.listDatabases(layout, admin)).items.some((d) => d.name === "temp_db"));
    assert.deepEqual((await engine.getUser(layout, admin, ref(t, "carol")))?.databases, []);
    await engine.createDatabases(layout, admin, [{ name: "temp_db" }]);
    assert.equal(await canUse(t, "carol", "carol-pw", "temp_db"), false);
    await engine.deleteUser(layout, admin, ref(t, "carol"));
    await engine.deleteDatabase(layout, admin, "temp_db");
  });

  test("character sets: a known one is used; an unknown one creates nothing of the request", async () => {
    const t = target();
    const { engine, layout, admin } = t;
    const latin1 = engine.capabilities.characterSets.find((c) => /^latin1$/i.test(c))!;
    await engine.createDatabases(layout, admin, [{ name: "in_latin1", characterSet: latin1 }]);
    const all = (await engine.listDatabases(layout, admin)).items;
    assert.match(all.find((d) => d.name === "in_latin1")?.characterSet ?? "", /^latin1$/i);
    for (const bad of [{ characterSet: "klingon" }, { collate: "no_such_collation" }]) {
      await assert.rejects(
        engine.createDatabases(layout, admin, [{ name: "first_ok" }, { name: "second_bad", ...bad }]),
        hasCode("DATABASE_OPTIONS_INVALID"),
      );
      const names = (await engine.listDatabases(layout, admin)).items.map((d) => d.name);
      assert.ok(
        !names.includes("first_ok") && !names.includes("second_bad"),
        `${JSON.stringify(bad)}: ${names.join(", ")}`,
      );
    }
    await engine.deleteDatabase(layout, admin, "in_latin1");
  });

  test("root: enabled with a password it can do anything with, disabled it cannot log in", async () => {
    const t = target();
    const { engine, layout, admin } = t;
    const root = engine.capabilities.rootUser;
    assert.equal(await engine.isRootEnabled(layout, admin), false);
    await engine.enableRoot(layout, admin, "r00t-pw'\"");
    assert.equal(await engine.isRootEnabled(layout, admin), true);
    const s = await login(t, root, "r00t-pw'\"", "page_a");
    await s.query("CREATE TABLE by_root (id integer)");
    await s.close();
    assert.ok(
      !(await engine.listUsers(layout, admin)).items.some((u) => u.name === root),
      "root is not listed",
    );
    await engine.disableRoot(layout, admin);
    await engine.disableRoot(layout, admin); // idempotent
    assert.equal(await engine.isRootEnabled(layout, admin), false);
    assert.equal(await canUse(t, root, "r00t-pw'\"", "page_a"), false);
    assert.equal(await engine.health(layout, admin), "running", "Coffer's own access is untouched");
  });
}
