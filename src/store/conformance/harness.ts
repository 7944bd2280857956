import type { TestContext } from "node:test";
import type { Store } from "../port.js";

/** Opens a store on a new, empty database of its own (not migrated). */
export type StoreFactory = () => Promise<Store>;

/** A fresh store, migrated unless asked not to, closed when the test ends. */
export async function openFresh(t: TestContext, factory: StoreFactory, migrate = true): Promise<Store> {
  const store = await factory();
  t.after(() => store.close());
  if (migrate) await store.migrate();
  return store;
}

export const T0 = new Date("2026-01-01T00:00:00.000Z");
export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

/** Minimal fixtures: the default domain, a project, a user, a role. */
export async function seed(store: Store, suffix = "1") {
  const project = await store.projects.create({
    id: `project-${suffix}`,
    domainId: "default",
    name: `project ${suffix}`,
    createdAt: T0,
  });
  const user = await store.users.create({
    id: `user-${suffix}`,
    domainId: "default",
    name: `user ${suffix}`,
    passwordHash: "$scrypt$hash",
    createdAt: T0,
  });
  const role = await store.roles.create({ id: `role-${suffix}`, name: `role ${suffix}` });
  return { project, user, role };
}

/** A datastore with one version, a flavor, and one instance per id (project `project-1`). */
export async function seedInstances(store: Store, ids: readonly string[] = ["i-1"]) {
  const datastore = await store.datastores.create({
    id: "ds-pg",
    name: "postgresql",
    defaultVersionId: null,
  });
  const version = await store.datastoreVersions.create({
    id: "dv-pg15",
    datastoreId: datastore.id,
    name: "15",
    version: "15.18",
    manager: "postgresql",
    image: "/usr/lib/postgresql/15/bin",
    packages: [],
    active: true,
  });
  const flavor = await store.flavors.create({
    id: "6",
    name: "c1.nano",
    ramMb: 128,
    vcpus: 1,
    diskGb: 1,
    ephemeralGb: 0,
  });
  const instances = [];
  for (const id of ids)
    instances.push(
      await store.instances.create({
        id,
        projectId: "project-1",
        name: `db ${id}`,
        flavorId: flavor.id,
        datastoreVersionId: version.id,
        volumeSizeGb: 1,
        createdAt: T0,
      }),
    );
  return { datastore, version, flavor, instances };
}
