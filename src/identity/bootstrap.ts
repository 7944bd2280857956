import { join } from "node:path";
import { ConflictError, type Clock, type IdGenerator } from "../domain/index.js";
import type { Store } from "../store/index.js";
import { DEFAULT_DOMAIN_ID } from "./directory.js";
import { renderOpenrc, writePrivateFile } from "./openrc.js";
import type { PasswordHasher } from "./passwords.js";
import { ADMIN_ROLE, BUILTIN_ROLES } from "./policy.js";
import type { TokenService } from "./token-service.js";
import { generatePassword } from "./tokens.js";

export const ADMIN_NAME = "admin";
export const OPENRC_FILE = "admin-openrc.sh";

export interface BootstrapOptions {
  /** The admin password to set (e.g. from COFFER_ADMIN_PASSWORD); generated when absent. */
  adminPassword?: string;
  /** Set a new admin password (and unlock and enable the admin) even though the admin exists. */
  resetAdminPassword?: boolean;
}

export interface BootstrapResult {
  /** What this run created or changed, e.g. ["role member", "user admin"]; empty on later starts. */
  changed: string[];
  /** Whether the admin password was set by this run (first start, or a reset). */
  passwordSet: boolean;
  /** The generated password, when this run generated one (shown once; also in the openrc file). */
  generatedPassword?: string;
  /** The openrc file written by this run. */
  openrcPath?: string;
}

export interface BootstrapDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  hasher: PasswordHasher;
  tokens: TokenService;
  dataDir: string;
  /** For the openrc file: where the clients log in, and the catalog region. */
  authUrl: string;
  region: string;
}

/**
 * Creates what a fresh installation needs: the Default domain, the built-in roles, an `admin`
 * project and an `admin` user holding `admin` there, and `<data-dir>/admin-openrc.sh`. Everything
 * that exists is left alone, so every start may call it; several processes starting at once on
 * one database are fine (a duplicate from a racing process counts as present).
 */
export async function bootstrap(
  deps: BootstrapDeps,
  options: BootstrapOptions = {},
): Promise<BootstrapResult> {
  const { store, clock, ids } = deps;
  const changed: string[] = [];
  const ensure = async <T>(what: string, find: () => Promise<T | undefined>, create: () => Promise<T>) => {
    const found = await find();
    if (found !== undefined) return found;
    try {
      const made = await create();
      changed.push(what);
      return made;
    } catch (err) {
      const again = err instanceof ConflictError ? await find() : undefined;
      if (again === undefined) throw err;
      return again;
    }
  };

  const domain = await ensure(
    "domain Default",
    () => store.domains.get(DEFAULT_DOMAIN_ID),
    () => store.domains.create({ id: DEFAULT_DOMAIN_ID, name: "Default", description: "The default domain" }),
  );
  const roles = new Map<string, string>();
  for (const name of BUILTIN_ROLES) {
    const role = await ensure(
      `role ${name}`,
      () => store.roles.getByName(name),
      () => store.roles.create({ id: ids(), name }),
    );
    roles.set(name, role.id);
  }
  const project = await ensure(
    `project ${ADMIN_NAME}`,
    () => store.projects.getByName(domain.id, ADMIN_NAME),
    () =>
      store.projects.create({
        id: ids(),
        domainId: domain.id,
        name: ADMIN_NAME,
        description: "Bootstrap project for the cloud administrator",
        createdAt: clock.now(),
      }),
  );

  const existing = await store.users.getByName(domain.id, ADMIN_NAME);
  if (existing && !options.resetAdminPassword) return { changed, passwordSet: false };

  const password = options.adminPassword ?? generatePassword();
  const passwordHash = await deps.hasher.hash(password);
  const now = clock.now();
  let user = existing;
  if (user) {
    user = await store.users.update(user.id, {
      passwordHash,
      passwordChangedAt: now,
      enabled: true,
      failedLogins: 0,
      lockedUntil: null,
    });
    if (user) await deps.tokens.revokeAllForUser(user.id);
    changed.push(`password of user ${ADMIN_NAME}`);
  } else {
    user = await ensure(
      `user ${ADMIN_NAME}`,
      () => store.users.getByName(domain.id, ADMIN_NAME),
      () =>
        store.users.create({
          id: ids(),
          domainId: domain.id,
          name: ADMIN_NAME,
          passwordHash,
          defaultProjectId: project.id,
          passwordChangedAt: now,
          createdAt: now,
        }),
    );
  }
  if (!user)
    throw new ConflictError("BOOTSTRAP_RACE", "The admin user vanished during bootstrap; try again.");
  // Another process created the admin first: its password, not ours, is the one that counts.
  if (!existing && !changed.includes(`user ${ADMIN_NAME}`)) return { changed, passwordSet: false };
  if (
    await store.roleAssignments.grant({
      projectId: project.id,
      userId: user.id,
      roleId: roles.get(ADMIN_ROLE)!,
    })
  ) {
    changed.push(`role ${ADMIN_ROLE} for user ${ADMIN_NAME} on project ${ADMIN_NAME}`);
  }

  const openrcPath = join(deps.dataDir, OPENRC_FILE);
  await writePrivateFile(
    openrcPath,
    renderOpenrc({
      authUrl: deps.authUrl,
      username: ADMIN_NAME,
      password,
      projectName: ADMIN_NAME,
      domainName: domain.name,
      region: deps.region,
    }),
  );
  const result: BootstrapResult = { changed, passwordSet: true, openrcPath };
  if (options.adminPassword === undefined) result.generatedPassword = password;
  return result;
}
