/**
 * identity/testing: helpers for tests (never production code). `openIdentityFixture` gives a real
 * identity over a real, migrated SQLite store in a temp dir, bootstrapped with a known admin
 * password and a cheap password hash, plus `addUser` to make scoped tokens for any role.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig, type Config } from "../config/index.js";
import { FakeClock, uuidGenerator } from "../domain/index.js";
import { silentLogger } from "../lib/index.js";
import { openStore, type Project, type Store, type User } from "../store/index.js";
import { createPasswordHasher, TEST_SCRYPT_COST } from "./passwords.js";
import { createIdentity, type Identity } from "./service.js";

export { TEST_SCRYPT_COST };

export const FIXTURE_ADMIN_PASSWORD = "admin-secret-for-tests";

export interface TestUser {
  user: User;
  project: Project;
  password: string;
  /** A token scoped to `project`. */
  token: string;
}

export interface IdentityFixture {
  dir: string;
  config: Config;
  clock: FakeClock;
  store: Store;
  identity: Identity;
  /** The bootstrap admin, with a token scoped to the admin project. */
  admin: TestUser;
  /**
   * A user holding `roles` on the named project (both created if missing), and a token for it.
   * Roles must exist (admin, member, reader do).
   */
  addUser(projectName: string, userName: string, roles: string[]): Promise<TestUser>;
  login(userName: string, password: string, projectName: string): Promise<string>;
  close(): Promise<void>;
}

export async function openIdentityFixture(
  options: { env?: Record<string, string>; clock?: FakeClock } = {},
): Promise<IdentityFixture> {
  const dir = await mkdtemp(join(tmpdir(), "coffer-identity-"));
  const config = resolveConfig({ env: options.env ?? {}, flags: { dataDir: dir } });
  const clock = options.clock ?? new FakeClock(new Date());
  const store = await openStore(
    { kind: "sqlite", path: join(dir, "coffer.sqlite") },
    {
      logger: silentLogger(),
    },
  );
  try {
    await store.migrate();
    const identity = createIdentity({
      store,
      clock,
      ids: uuidGenerator,
      config,
      hasher: createPasswordHasher(TEST_SCRYPT_COST),
    });
    await identity.bootstrap({ adminPassword: FIXTURE_ADMIN_PASSWORD });

    const login = async (userName: string, password: string, projectName: string) => {
      const issued = await identity.tokens.authenticate({
        identity: {
          methods: ["password"],
          password: { user: { name: userName, domain: { id: "default" }, password } },
        },
        scope: { project: { name: projectName, domain: { id: "default" } } },
      });
      return issued.secret;
    };

    const addUser = async (projectName: string, userName: string, roles: string[]): Promise<TestUser> => {
      const d = identity.directory;
      const project =
        (await d.listProjects({ name: projectName }))[0] ?? (await d.createProject({ name: projectName }));
      const password = `${userName}-password`;
      const user =
        (await d.listUsers({ name: userName }))[0] ?? (await d.createUser({ name: userName, password }));
      for (const roleName of roles) {
        const role = (await d.listRoles({ name: roleName }))[0];
        if (!role) throw new Error(`no role ${roleName}`);
        await d.grant(project.id, user.id, role.id);
      }
      return { user, project, password, token: await login(userName, password, projectName) };
    };

    const adminUser = (await identity.directory.listUsers({ name: "admin" }))[0]!;
    const adminProject = (await identity.directory.listProjects({ name: "admin" }))[0]!;
    const admin: TestUser = {
      user: adminUser,
      project: adminProject,
      password: FIXTURE_ADMIN_PASSWORD,
      token: await login("admin", FIXTURE_ADMIN_PASSWORD, "admin"),
    };

    return {
      dir,
      config,
      clock,
      store,
      identity,
      admin,
      addUser,
      login,
      close: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await store.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
