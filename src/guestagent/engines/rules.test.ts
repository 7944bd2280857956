import { test } from "node:test";
import assert from "node:assert/strict";
import { CofferError } from "../../domain/index.js";
import { capabilitiesOf } from "./index.js";
import { checkDatabaseName, checkHost, checkPassword, checkUserName, parseUserId, userKey } from "./rules.js";
import { checkSpecs } from "./specs.js";
import { paginate } from "./pages.js";

const maria = capabilitiesOf("mysql");
const pg = capabilitiesOf("postgresql");
const refuses = (code: string, fn: () => unknown) =>
  assert.throws(fn, (err: unknown) => err instanceof CofferError && err.code === code, code);

test("names: ASCII letters, digits and _ - $ . up to the engine's length; reserved ones refused", () => {
  for (const ok of ["shop", "Shop_2", "_x", "a-b", "a.b", "pay$", "9lives", "x".repeat(64)]) {
    checkDatabaseName(maria, ok);
  }
  for (const bad of [
    "",
    "a b",
    "a;b",
    "a`b",
    "a'b",
    'a"b',
    "a\\b",
    "a/b",
    "a,b",
    "-x",
    ".x",
    "é",
    "a\u0000b",
  ]) {
    refuses("DATABASE_NAME_INVALID", () => checkDatabaseName(maria, bad));
  }
  refuses("DATABASE_NAME_INVALID", () => checkDatabaseName(pg, "x".repeat(64)));
  refuses("USER_NAME_INVALID", () => checkUserName(maria, "a@b"));
  for (const reserved of ["mysql", "INFORMATION_SCHEMA", "sys"]) {
    refuses("DATABASE_NAME_RESERVED", () => checkDatabaseName(maria, reserved));
  }
  refuses("DATABASE_NAME_RESERVED", () => checkDatabaseName(pg, "template1"));
  for (const reserved of ["os_admin", "root", "mariadb.sys"]) {
    refuses("USER_NAME_RESERVED", () => checkUserName(maria, reserved));
  }
  refuses("USER_NAME_RESERVED", () => checkUserName(pg, "pg_monitor"));
  refuses("USER_NAME_RESERVED", () => checkUserName(pg, "postgres"));
  checkUserName(maria, "pg_is_fine_on_mariadb");
});

test("hosts: %, IPv4 addresses, % patterns and netmasks on MariaDB; none on PostgreSQL", () => {
  for (const ok of ["%", "10.0.0.1", "10.0.%", "192.168.1.%", "10.%", "10.0.0.0/255.255.0.0"]) {
    assert.equal(checkHost(maria, ok), ok);
  }
  assert.equal(checkHost(maria, undefined), "%");
  for (const bad of [
    "localhost",
    "db.example.com",
    "10.0.%.1",
    "300.0.0.1",
    "10.0.0",
    "",
    "10.0.0.1/8",
    "%%",
  ]) {
    refuses("USER_HOST_INVALID", () => checkHost(maria, bad));
  }
  assert.equal(checkHost(pg, undefined), undefined);
  assert.equal(checkHost(pg, "%"), undefined);
  refuses("USER_HOST_UNSUPPORTED", () => checkHost(pg, "10.0.0.1"));
});

test("user ids from URLs split on the last @; an empty host is %", () => {
  assert.deepEqual(parseUserId(maria, "bob"), { name: "bob", host: "%" });
  assert.deepEqual(parseUserId(maria, "bob@"), { name: "bob", host: "%" });
  assert.deepEqual(parseUserId(maria, "bob@10.0.%"), { name: "bob", host: "10.0.%" });
  assert.deepEqual(parseUserId(pg, "bob"), { name: "bob" });
  assert.deepEqual(parseUserId(pg, "bob@%"), { name: "bob" });
  refuses("USER_NAME_INVALID", () => parseUserId(maria, "a@b@%"));
  assert.equal(userKey({ name: "bob", host: "%" }), "bob@%");
  assert.equal(userKey({ name: "bob" }), "bob");
});

test("passwords: 1 to 255 characters, no control characters", () => {
  checkPassword("s3cret with spaces ' \" ` ; \\", "u");
  for (const bad of ["", "x".repeat(256), "a\nb", "a\u0000"]) {
    refuses("USER_PASSWORD_INVALID", () => checkPassword(bad, "u"));
  }
});

test("a create request: options, duplicates, and grants only on databases it creates", () => {
  const specs = checkSpecs(
    maria,
    [{ name: "shop", characterSet: "UTF8MB4" }],
    [{ name: "u", password: "p", databases: ["shop"] }],
  );
  assert.deepEqual(specs.users, [{ name: "u", host: "%", password: "p", databases: ["shop"] }]);
  refuses("DATABASE_OPTIONS_INVALID", () => checkSpecs(pg, [{ name: "d", characterSet: "utf8mb4" }], []));
  assert.doesNotThrow(() => checkSpecs(pg, [{ name: "d", characterSet: "iso-8859-5" }], []));
  refuses("DATABASE_DUPLICATE", () => checkSpecs(pg, [{ name: "d" }, { name: "d" }], []));
  const twice = [
    { name: "u", password: "p", databases: [] },
    { name: "u", host: "%", password: "q", databases: [] },
  ];
  refuses("USER_DUPLICATE", () => checkSpecs(maria, [], twice));
  refuses("DATABASE_NOT_LISTED", () =>
    checkSpecs(maria, [{ name: "a" }], [{ name: "u", password: "p", databases: ["b"] }]),
  );
});

test("pages: sorted by key in code-unit order, after the marker, with the next marker", () => {
  const items = ["b", "a", "C", "c", "a_b"].map((name) => ({ name }));
  const key = (i: { name: string }) => i.name;
  assert.deepEqual(paginate(items, key), { items: ["C", "a", "a_b", "b", "c"].map((name) => ({ name })) });
  assert.deepEqual(paginate(items, key, { limit: 2 }), {
    items: [{ name: "C" }, { name: "a" }],
    nextMarker: "a",
  });
  assert.deepEqual(paginate(items, key, { marker: "a", limit: 3 }), {
    items: [{ name: "a_b" }, { name: "b" }, { name: "c" }],
  });
});
