import { test } from "node:test";
import assert from "node:assert/strict";
import { at, openFresh, seedInstances, T0, type StoreFactory } from "./harness.js";

const conflict = (code: string) => ({ kind: "conflict", code });

export function instanceCases(factory: StoreFactory): void {
  test("instances: create with defaults, read, duplicate id, missing flavor", async (t) => {
    const store = await openFresh(t, factory);
    const { instances, flavor, version } = await seedInstances(store, ["i-1"]);
    const created = {
      id: "i-1",
      projectId: "project-1",
      name: "db i-1",
      flavorId: flavor.id,
      datastoreVersionId: version.id,
      volumeSizeGb: 1,
      volumeUsedGb: null,
      taskStatus: "BUILDING",
      serverStatus: "BUILD",
      host: null,
      address: null,
      publicAddress: null,
      isPublic: false,
      allowedCidrs: [],
      availabilityZone: null,
      configurationId: null,
      fault: null,
      createdAt: T0,
      updatedAt: T0,
      deletedAt: null,
    };
    assert.deepEqual(instances[0], created);
    assert.deepEqual(await store.instances.get("i-1"), created);
    assert.equal(await store.instances.get("i-2"), undefined);

    const full = await store.instances.create({
      id: "i-2",
      projectId: "project-2",
      name: "public",
      flavorId: flavor.id,
      datastoreVersionId: version.id,
      volumeSizeGb: 5,
      createdAt: at(1),
      isPublic: true,
      allowedCidrs: ["10.0.0.0/8", "192.168.1.0/24"],
      availabilityZone: "nova",
      configurationId: "cfg-1",
    });
    assert.deepEqual(await store.instances.get("i-2"), full);
    assert.equal(full.isPublic, true);
    assert.deepEqual(full.allowedCidrs, ["10.0.0.0/8", "192.168.1.0/24"]);
    assert.equal(full.availabilityZone, "nova");
    assert.equal(full.configurationId, "cfg-1");

    const again = {
      id: "i-1",
      projectId: "project-1",
      name: "same id",
      flavorId: flavor.id,
      datastoreVersionId: version.id,
      volumeSizeGb: 1,
      createdAt: T0,
    };
    await assert.rejects(store.instances.create(again), conflict("INSTANCE_EXISTS"));
    await assert.rejects(
      store.instances.create({ ...again, id: "i-3", flavorId: "no-such-flavor" }),
      conflict("REFERENCE_VIOLATION"),
    );
    await assert.rejects(
      store.instances.create({ ...again, id: "i-3", datastoreVersionId: "no-such-version" }),
      conflict("REFERENCE_VIOLATION"),
    );
  });

  test("instances: update patches, fault round-trips with its date, null clears", async (t) => {
    const store = await openFresh(t, factory);
    const { instances } = await seedInstances(store, ["i-1"]);
    const before = instances[0]!;
    const fault = { message: "Build failed.", details: "engine exited with 1", createdAt: at(7.25) };
    const updated = await store.instances.update("i-1", {
      updatedAt: at(10),
      taskStatus: "BUILD_ERROR_SERVER",
      serverStatus: "ERROR",
      host: "host-a",
      address: "127.100.0.7",
      publicAddress: "203.0.113.9",
      volumeUsedGb: 0.25,
      fault,
    });
    const expected = {
      ...before,
      updatedAt: at(10),
      taskStatus: "BUILD_ERROR_SERVER" as const,
      serverStatus: "ERROR" as const,
      host: "host-a",
      address: "127.100.0.7",
      publicAddress: "203.0.113.9",
      volumeUsedGb: 0.25,
      fault,
    };
    assert.deepEqual(updated, expected);
    assert.deepEqual(await store.instances.get("i-1"), expected);
    assert.ok((await store.instances.get("i-1"))?.fault?.createdAt instanceof Date);

    const cleared = await store.instances.update("i-1", {
      updatedAt: at(11),
      fault: null,
      address: null,
      publicAddress: null,
      name: "renamed",
      volumeSizeGb: 2,
      isPublic: true,
      allowedCidrs: ["0.0.0.0/0"],
      configurationId: "cfg",
      flavorId: before.flavorId,
    });
    assert.deepEqual(cleared, {
      ...expected,
      updatedAt: at(11),
      fault: null,
      address: null,
      publicAddress: null,
      name: "renamed",
      volumeSizeGb: 2,
      isPublic: true,
      allowedCidrs: ["0.0.0.0/0"],
      configurationId: "cfg",
    });
    assert.deepEqual(await store.instances.update("i-1", { updatedAt: at(12) }), {
      ...cleared,
      updatedAt: at(12),
    });
    assert.equal(await store.instances.update("missing", { updatedAt: at(12) }), undefined);
    await assert.rejects(
      store.instances.update("i-1", { updatedAt: at(13), flavorId: "no-such-flavor" }),
      conflict("REFERENCE_VIOLATION"),
    );
  });

  test("instances: markDeleted hides the instance but keeps it for audit", async (t) => {
    const store = await openFresh(t, factory);
    await seedInstances(store, ["i-1", "i-2"]);
    assert.equal(await store.instances.markDeleted("i-1", at(30)), true);
    assert.equal(await store.instances.markDeleted("i-1", at(31)), false, "already deleted");
    assert.equal(await store.instances.markDeleted("missing", at(31)), false);
    assert.equal(await store.instances.get("i-1"), undefined);
    const gone = await store.instances.get("i-1", { includeDeleted: true });
    assert.deepEqual(
      gone && { deletedAt: gone.deletedAt, updatedAt: gone.updatedAt, taskStatus: gone.taskStatus },
      { deletedAt: at(30), updatedAt: at(30), taskStatus: "NONE" },
    );
    assert.equal(await store.instances.update("i-1", { updatedAt: at(40), name: "x" }), undefined);
    assert.deepEqual(
      (await store.instances.list()).map((i) => i.id),
      ["i-2"],
    );
    assert.deepEqual(
      (await store.instances.list({ includeDeleted: true })).map((i) => i.id),
      ["i-1", "i-2"],
    );
  });

  test("instances: list by project and host, ordered by id, paged with afterId and limit", async (t) => {
    const store = await openFresh(t, factory);
    const ids = ["i-05", "i-03", "i-01", "i-04", "i-02"];
    await seedInstances(store, ids);
    await store.instances.update("i-02", { updatedAt: at(1), host: "host-a" });
    await store.instances.update("i-04", { updatedAt: at(1), host: "host-a" });
    await store.instances.update("i-05", { updatedAt: at(1), host: "host-b" });
    await store.instances.markDeleted("i-03", at(2));
    const list = async (filter?: Parameters<typeof store.instances.list>[0]) =>
      (await store.instances.list(filter)).map((i) => i.id);
    assert.deepEqual(await list(), ["i-01", "i-02", "i-04", "i-05"]);
    assert.deepEqual(await list({ host: "host-a" }), ["i-02", "i-04"]);
    assert.deepEqual(await list({ projectId: "project-1", host: "host-b" }), ["i-05"]);
    assert.deepEqual(await list({ projectId: "project-2" }), []);
    assert.deepEqual(await list({ limit: 2 }), ["i-01", "i-02"]);
    assert.deepEqual(await list({ limit: 2, afterId: "i-02" }), ["i-04", "i-05"]);
    assert.deepEqual(await list({ limit: 2, afterId: "i-05" }), []);
    assert.deepEqual(await list({ afterId: "i-01", includeDeleted: true, limit: 2 }), ["i-02", "i-03"]);
    assert.deepEqual(
      await list({ afterId: "i-00" }),
      ["i-01", "i-02", "i-04", "i-05"],
      "marker need not exist",
    );
  });

  test("a flavor or datastore version in use, even by a deleted instance, cannot be deleted", async (t) => {
    const store = await openFresh(t, factory);
    const { flavor, version } = await seedInstances(store, ["i-1"]);
    await assert.rejects(store.flavors.delete(flavor.id), conflict("REFERENCE_VIOLATION"));
    await assert.rejects(store.datastoreVersions.delete(version.id), conflict("REFERENCE_VIOLATION"));
    await store.instances.markDeleted("i-1", at(1));
    await assert.rejects(store.flavors.delete(flavor.id), conflict("REFERENCE_VIOLATION"));
    await assert.rejects(store.datastoreVersions.delete(version.id), conflict("REFERENCE_VIOLATION"));
    assert.ok(await store.flavors.get(flavor.id));
    assert.ok(await store.datastoreVersions.get(version.id));
  });

  test("service statuses: set creates then replaces, get, list by ids", async (t) => {
    const store = await openFresh(t, factory);
    await seedInstances(store, ["i-1", "i-2", "i-3"]);
    assert.equal(await store.serviceStatuses.get("i-1"), undefined);
    assert.deepEqual(await store.serviceStatuses.set("i-1", "building", at(1)), {
      instanceId: "i-1",
      status: "building",
      updatedAt: at(1),
    });
    assert.deepEqual(await store.serviceStatuses.set("i-1", "healthy", at(2)), {
      instanceId: "i-1",
      status: "healthy",
      updatedAt: at(2),
    });
    assert.deepEqual(await store.serviceStatuses.get("i-1"), {
      instanceId: "i-1",
      status: "healthy",
      updatedAt: at(2),
    });
    await store.serviceStatuses.set("i-3", "shutdown", at(3));
    assert.deepEqual(
      (await store.serviceStatuses.list(["i-3", "i-2", "i-1", "missing"])).map(
        (s) => `${s.instanceId}=${s.status}`,
      ),
      ["i-1=healthy", "i-3=shutdown"],
    );
    assert.deepEqual(await store.serviceStatuses.list([]), []);
    await assert.rejects(store.serviceStatuses.set("missing", "new", at(4)), conflict("REFERENCE_VIOLATION"));
  });

  test("an instance and its task are recorded in one transaction, or neither is", async (t) => {
    const store = await openFresh(t, factory);
    const { instances } = await seedInstances(store, ["i-0"]);
    const base = instances[0]!;
    const create = (id: string) =>
      store.transaction(async (tx) => {
        await tx.instances.create({ ...base, id, createdAt: at(1) });
        await tx.tasks.create({
          id: `task-${id}`,
          instanceId: id,
          kind: "create_instance",
          data: {},
          createdAt: at(1),
        });
        // A second task for the same instance breaks the rule, and takes the instance with it.
        if (id === "i-bad")
          await tx.tasks.create({
            id: "task-2",
            instanceId: id,
            kind: "delete_instance",
            data: {},
            createdAt: at(1),
          });
      });
    await create("i-good");
    await assert.rejects(create("i-bad"), conflict("TASK_ACTIVE"));
    assert.ok(await store.instances.get("i-good"));
    assert.equal((await store.tasks.activeFor("i-good"))?.id, "task-i-good");
    assert.equal(await store.instances.get("i-bad", { includeDeleted: true }), undefined);
    assert.deepEqual(
      (await store.tasks.list()).map((x) => x.id),
      ["task-i-good"],
    );
  });
}
