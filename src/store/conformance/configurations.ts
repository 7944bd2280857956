import { test } from "node:test";
import assert from "node:assert/strict";
import type { ParameterRule } from "../configuration-records.js";
import { at, openFresh, seedInstances, T0, type StoreFactory } from "./harness.js";

const conflict = (code: string) => ({ kind: "conflict", code });

const MAX_CONNECTIONS: ParameterRule = {
  name: "max_connections",
  type: "integer",
  restartRequired: true,
  min: 1,
  max: 262143,
  unit: null,
};
// A bound past PostgreSQL's bigint, as MariaDB's sizes have, and a unit.
const BUFFER_POOL: ParameterRule = {
  name: "innodb_buffer_pool_size",
  type: "integer",
  restartRequired: false,
  min: 2097152,
  max: 1.8446744073709552e19,
  unit: "B",
};

export function configurationCases(factory: StoreFactory): void {
  test("parameter rules: upsert, get, list by name, delete, go with their version", async (t) => {
    const store = await openFresh(t, factory);
    const { version } = await seedInstances(store, []);
    const v = version.id;
    const timeout: ParameterRule = {
      ...MAX_CONNECTIONS,
      name: "wait_timeout",
      type: "float",
      min: 0.5,
      max: null,
    };
    const flag: ParameterRule = {
      ...MAX_CONNECTIONS,
      name: "autovacuum",
      type: "boolean",
      min: null,
      max: null,
    };
    for (const rule of [MAX_CONNECTIONS, BUFFER_POOL, timeout, flag])
      assert.deepEqual(await store.parameterRules.upsert(v, rule), rule);
    assert.deepEqual(await store.parameterRules.get(v, "innodb_buffer_pool_size"), BUFFER_POOL);
    assert.equal(await store.parameterRules.get(v, "nope"), undefined);
    assert.equal(await store.parameterRules.get("other-version", "max_connections"), undefined);
    assert.deepEqual(
      (await store.parameterRules.list(v)).map((r) => r.name),
      ["autovacuum", "innodb_buffer_pool_size", "max_connections", "wait_timeout"],
    );
    const changed = { ...MAX_CONNECTIONS, restartRequired: false, max: 100 };
    assert.deepEqual(await store.parameterRules.upsert(v, changed), changed);
    assert.deepEqual(await store.parameterRules.get(v, "max_connections"), changed);
    assert.equal((await store.parameterRules.list(v)).length, 4, "an upsert replaces, never duplicates");
    await assert.rejects(
      store.parameterRules.upsert("missing", MAX_CONNECTIONS),
      conflict("REFERENCE_VIOLATION"),
    );
    assert.equal(await store.parameterRules.delete(v, "autovacuum"), true);
    assert.equal(await store.parameterRules.delete(v, "autovacuum"), false);
    assert.equal(await store.parameterRules.deleteAll(v), 3);
    assert.deepEqual(await store.parameterRules.list(v), []);
    await store.parameterRules.upsert(v, MAX_CONNECTIONS);
    await store.datastoreVersions.delete(v);
    assert.deepEqual(await store.parameterRules.list(v), [], "deleting the version removes its rules");
  });

  test("configurations: create, read, values round-trip, list by project, paged", async (t) => {
    const store = await openFresh(t, factory);
    const { version } = await seedInstances(store, []);
    const group = {
      id: "cfg-2",
      projectId: "project-1",
      name: "tuned",
      description: "bigger",
      datastoreVersionId: version.id,
      values: { max_connections: 200, shared_buffers: "256MB", autovacuum: false, long_query_time: 0.5 },
      createdAt: T0,
    };
    const created = await store.configurations.create(group);
    assert.deepEqual(created, { ...group, updatedAt: T0 });
    assert.deepEqual(await store.configurations.get("cfg-2"), created);
    assert.equal(await store.configurations.get("cfg-x"), undefined);
    await assert.rejects(store.configurations.create(group), conflict("CONFIGURATION_EXISTS"));
    await assert.rejects(
      store.configurations.create({ ...group, id: "cfg-9", datastoreVersionId: "missing" }),
      conflict("REFERENCE_VIOLATION"),
    );
    await store.configurations.create({ ...group, id: "cfg-1", projectId: "project-2", values: {} });
    await store.configurations.create({ ...group, id: "cfg-3", name: "third" });
    const ids = async (filter?: Parameters<typeof store.configurations.list>[0]) =>
      (await store.configurations.list(filter)).map((c) => c.id);
    assert.deepEqual(await ids(), ["cfg-1", "cfg-2", "cfg-3"]);
    assert.deepEqual(await ids({ projectId: "project-1" }), ["cfg-2", "cfg-3"]);
    assert.deepEqual(await ids({ limit: 1, afterId: "cfg-1" }), ["cfg-2"]);
    assert.deepEqual((await store.configurations.get("cfg-1"))?.values, {});
  });

  test("configurations: update replaces values, keeps what it is not given; delete; version kept", async (t) => {
    const store = await openFresh(t, factory);
    const { version } = await seedInstances(store, []);
    await store.configurations.create({
      id: "cfg-1",
      projectId: "project-1",
      name: "g",
      description: "",
      datastoreVersionId: version.id,
      values: { max_connections: 200, work_mem: "8MB" },
      createdAt: T0,
    });
    const renamed = await store.configurations.update("cfg-1", { updatedAt: at(1), name: "h" });
    assert.deepEqual(renamed?.values, { max_connections: 200, work_mem: "8MB" });
    assert.equal(renamed?.name, "h");
    const replaced = await store.configurations.update("cfg-1", {
      updatedAt: at(2),
      values: { autovacuum: true },
      description: "d",
    });
    assert.deepEqual(
      replaced && {
        values: replaced.values,
        description: replaced.description,
        updatedAt: replaced.updatedAt,
      },
      { values: { autovacuum: true }, description: "d", updatedAt: at(2) },
    );
    assert.equal(await store.configurations.update("missing", { updatedAt: at(3) }), undefined);
    await assert.rejects(store.datastoreVersions.delete(version.id), conflict("REFERENCE_VIOLATION"));
    assert.equal(await store.configurations.delete("cfg-1"), true);
    assert.equal(await store.configurations.delete("cfg-1"), false);
    assert.equal(await store.datastoreVersions.delete(version.id), true);
  });

  test("instances: list those a configuration group is attached to", async (t) => {
    const store = await openFresh(t, factory);
    await seedInstances(store, ["i-1", "i-2", "i-3"]);
    await store.instances.update("i-1", { updatedAt: at(1), configurationId: "cfg-1" });
    await store.instances.update("i-3", { updatedAt: at(1), configurationId: "cfg-1" });
    await store.instances.update("i-2", { updatedAt: at(1), configurationId: "cfg-2" });
    await store.instances.markDeleted("i-3", at(2));
    const ids = async (configurationId: string) =>
      (await store.instances.list({ configurationId })).map((i) => i.id);
    assert.deepEqual(await ids("cfg-1"), ["i-1"]);
    assert.deepEqual(await ids("cfg-2"), ["i-2"]);
    assert.deepEqual(await ids("cfg-3"), []);
  });
}
