import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_FLAVORS } from "../../domain/index.js";
import { openFresh, type StoreFactory } from "./harness.js";

const conflict = (code: string) => ({ kind: "conflict", code });

export function catalogCases(factory: StoreFactory): void {
  test("datastores: create, read, default version, unique name, no delete while versions exist", async (t) => {
    const store = await openFresh(t, factory);
    const mysql = await store.datastores.create({ id: "ds-my", name: "mysql", defaultVersionId: null });
    assert.deepEqual(mysql, { id: "ds-my", name: "mysql", defaultVersionId: null });
    await store.datastores.create({ id: "ds-pg", name: "postgresql", defaultVersionId: "dv-later" });
    await store.datastores.create({ id: "ds-ma", name: "mariadb", defaultVersionId: null });
    assert.deepEqual(await store.datastores.get("ds-my"), mysql);
    assert.deepEqual(await store.datastores.getByName("mysql"), mysql);
    assert.equal(await store.datastores.getByName("redis"), undefined);
    assert.deepEqual(
      (await store.datastores.list()).map((d) => d.name),
      ["mariadb", "mysql", "postgresql"],
    );
    await assert.rejects(
      store.datastores.create({ id: "ds-x", name: "mysql", defaultVersionId: null }),
      conflict("DATASTORE_EXISTS"),
    );
    await assert.rejects(
      store.datastores.create({ id: "ds-my", name: "other", defaultVersionId: null }),
      conflict("DATASTORE_EXISTS"),
    );

    await store.datastoreVersions.create({
      id: "dv-1",
      datastoreId: "ds-my",
      name: "10.11",
      version: "10.11.6",
      manager: "mariadb",
      image: "/usr/sbin",
      packages: [],
      active: true,
    });
    const withDefault = await store.datastores.setDefaultVersion("ds-my", "dv-1");
    assert.deepEqual(withDefault, { ...mysql, defaultVersionId: "dv-1" });
    assert.deepEqual(await store.datastores.get("ds-my"), withDefault);
    assert.equal(await store.datastores.setDefaultVersion("nope", "dv-1"), undefined);
    await assert.rejects(store.datastores.delete("ds-my"), conflict("REFERENCE_VIOLATION"));
    assert.deepEqual(await store.datastores.setDefaultVersion("ds-my", null), mysql);
    assert.equal(await store.datastoreVersions.delete("dv-1"), true);
    assert.equal(await store.datastores.delete("ds-my"), true);
    assert.equal(await store.datastores.delete("ds-my"), false);
    assert.equal(await store.datastores.get("ds-my"), undefined);
  });

  test("datastore versions: CRUD, unique name per datastore, filters, JSON packages", async (t) => {
    const store = await openFresh(t, factory);
    await store.datastores.create({ id: "ds-pg", name: "postgresql", defaultVersionId: null });
    await store.datastores.create({ id: "ds-my", name: "mysql", defaultVersionId: null });
    const v15 = {
      id: "dv-pg15",
      datastoreId: "ds-pg",
      name: "15",
      version: "15.18",
      manager: "postgresql" as const,
      image: "/usr/lib/postgresql/15/bin",
      packages: ["postgresql-15", "postgresql-contrib"],
      active: true,
    };
    assert.deepEqual(await store.datastoreVersions.create(v15), v15);
    assert.deepEqual(await store.datastoreVersions.get("dv-pg15"), v15);
    assert.deepEqual(await store.datastoreVersions.getByName("ds-pg", "15"), v15);
    assert.equal(await store.datastoreVersions.getByName("ds-my", "15"), undefined);
    await assert.rejects(
      store.datastoreVersions.create({ ...v15, id: "dv-other" }),
      conflict("DATASTORE_VERSION_EXISTS"),
    );
    await assert.rejects(
      store.datastoreVersions.create({ ...v15, id: "dv-x", datastoreId: "missing" }),
      conflict("REFERENCE_VIOLATION"),
    );
    const v14 = { ...v15, id: "dv-pg14", name: "14", version: "14.1", packages: [], active: false };
    await store.datastoreVersions.create(v14);
    const my = { ...v15, id: "dv-my", datastoreId: "ds-my", name: "15", manager: "mariadb" as const };
    await store.datastoreVersions.create(my);

    const ids = async (filter?: Parameters<typeof store.datastoreVersions.list>[0]) =>
      (await store.datastoreVersions.list(filter)).map((v) => v.id);
    assert.deepEqual(await ids(), ["dv-my", "dv-pg14", "dv-pg15"]);
    assert.deepEqual(await ids({ datastoreId: "ds-pg" }), ["dv-pg14", "dv-pg15"]);
    assert.deepEqual(await ids({ active: false }), ["dv-pg14"]);
    assert.deepEqual(await ids({ datastoreId: "ds-pg", active: true }), ["dv-pg15"]);

    const updated = await store.datastoreVersions.update("dv-pg14", {
      active: true,
      packages: ["a"],
      image: "/opt/pg14/bin",
      version: "14.2",
    });
    assert.deepEqual(updated, {
      ...v14,
      active: true,
      packages: ["a"],
      image: "/opt/pg14/bin",
      version: "14.2",
    });
    assert.deepEqual(await store.datastoreVersions.update("dv-pg14", {}), updated);
    assert.equal(await store.datastoreVersions.update("missing", { active: false }), undefined);
    await assert.rejects(
      store.datastoreVersions.update("dv-pg14", { name: "15" }),
      conflict("DATASTORE_VERSION_EXISTS"),
    );
    assert.equal(await store.datastoreVersions.delete("dv-pg14"), true);
    assert.equal(await store.datastoreVersions.delete("dv-pg14"), false);
    assert.equal(await store.datastoreVersions.get("dv-pg14"), undefined);
  });

  test("flavors: the default set, ordered by RAM, unique id and name, delete", async (t) => {
    const store = await openFresh(t, factory);
    for (const f of DEFAULT_FLAVORS) assert.deepEqual(await store.flavors.create(f), f);
    assert.deepEqual(
      (await store.flavors.list()).map((f) => f.name),
      ["c1.nano", "c1.micro", "m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"],
    );
    const tiny = DEFAULT_FLAVORS[0]!;
    assert.deepEqual(await store.flavors.get("1"), tiny);
    assert.deepEqual(await store.flavors.getByName("m1.tiny"), tiny);
    assert.equal(await store.flavors.get("99"), undefined);
    await assert.rejects(store.flavors.create({ ...tiny, name: "other" }), conflict("FLAVOR_EXISTS"));
    await assert.rejects(store.flavors.create({ ...tiny, id: "99" }), conflict("FLAVOR_EXISTS"));
    // Same RAM: ordered by id next.
    await store.flavors.create({ ...tiny, id: "0", name: "m0.tiny" });
    assert.deepEqual(
      (await store.flavors.list()).slice(2, 4).map((f) => f.id),
      ["0", "1"],
    );
    assert.equal(await store.flavors.delete("1"), true);
    assert.equal(await store.flavors.delete("1"), false);
    assert.equal(await store.flavors.getByName("m1.tiny"), undefined);
  });
}
