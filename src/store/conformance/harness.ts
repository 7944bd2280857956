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
