import { test } from "node:test";
import assert from "node:assert/strict";
import { CofferError } from "../../domain/index.js";
import { allEngines, engineFor, supportedManagers } from "./index.js";

test("each manager maps to its driver; mysql is served by MariaDB", () => {
  assert.equal(engineFor("postgresql").capabilities.name, "postgresql");
  assert.equal(engineFor("mariadb").capabilities.name, "mariadb");
  assert.equal(engineFor("mysql").capabilities.name, "mariadb");
  assert.deepEqual(supportedManagers().sort(), ["mariadb", "mysql", "postgresql"]);
});

test("an unknown manager is a NotFound with a stable code", () => {
  assert.throws(
    () => engineFor("redis"),
    (err: unknown) =>
      err instanceof CofferError && err.kind === "not_found" && err.code === "ENGINE_NOT_FOUND",
  );
});

test("engines differ only through their capability tables", () => {
  const [pg, maria] = ["postgresql", "mariadb"].map((m) => engineFor(m).capabilities);
  assert.deepEqual([pg!.defaultPort, maria!.defaultPort], [5432, 3306]);
  assert.deepEqual([pg!.stopSignal, maria!.stopSignal], ["SIGINT", "SIGTERM"]);
  assert.deepEqual([pg!.userHosts, maria!.userHosts], [false, true]);
  for (const e of allEngines()) {
    assert.ok(
      e.capabilities.systemUsers.includes(e.capabilities.adminUser),
      "the admin is a hidden system user",
    );
    assert.ok(Object.isFrozen(e.capabilities));
  }
});

test("the installed engines are found and report their versions", async () => {
  for (const e of allEngines()) {
    const found = await e.probe(e.capabilities.installDirs[0]!);
    assert.match(found?.version ?? "", /^\d+\.\d+/, `${e.capabilities.name} installed`);
  }
  assert.equal(await engineFor("postgresql").probe("/nonexistent"), undefined);
});
