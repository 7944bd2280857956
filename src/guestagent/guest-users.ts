import type { Handler, JsonValue } from "../bus/index.js";
import { NotFoundError, ValidationError } from "../domain/index.js";
import {
  parseGrant,
  parsePage,
  parsePasswords,
  parseRevoke,
  parseUpdate,
  parseUser,
  parseUsers,
} from "./account-args.js";
import { preparedHandler, requireDatabases, requireUser, userExists, userKeys } from "./account-checks.js";
import type { UserRef } from "./engines/index.js";
import {
  checkDatabaseName,
  checkHost,
  checkPassword,
  checkUserName,
  checkUserRef,
  userKey,
} from "./engines/rules.js";
import { checkGrantList, checkUserSpecs } from "./engines/specs.js";
import type { GuestAgent, Prepared } from "./guest-agent.js";
import type { UserPage, UserView } from "./rpc.js";

/**
 * The user and access methods of `guestagent.<id>`: every request is checked against the
 * engine's rules, then against the accounts and databases that exist, and only then applied.
 */
export function userHandlers(agent: GuestAgent): Record<string, Handler> {
  const on = (method: string, operation: (p: Prepared, args: JsonValue) => Promise<unknown>): Handler =>
    preparedHandler(agent, method, operation);
  const ref = (p: Prepared, user: UserRef) => checkUserRef(p.engine.capabilities, user);

  return {
    list_users: on("list_users", async (p, args): Promise<UserPage> => {
      const page = await p.engine.listUsers(p.layout, p.state.admin, parsePage("list_users", args));
      return { users: page.items, ...(page.nextMarker !== undefined ? { nextMarker: page.nextMarker } : {}) };
    }),

    get_user: on("get_user", async (p, args): Promise<UserView> =>
      requireUser(p, ref(p, parseUser("get_user", args))),
    ),

    create_user: on("create_user", async (p, args) => {
      const users = checkUserSpecs(p.engine.capabilities, parseUsers("create_user", args));
      const existing = await userKeys(p);
      const taken = users.find((u) => existing.has(userKey(u)));
      if (taken) throw userExists(taken);
      await requireDatabases(p, [...new Set(users.flatMap((u) => u.databases))]);
      await p.engine.createUsers(p.layout, p.state.admin, users);
      agent.log.info({ users: users.map((u) => userKey(u)) }, "users created");
    }),

    update_attributes: on("update_attributes", async (p, args) => {
      const caps = p.engine.capabilities;
      const { user, changes } = parseUpdate("update_attributes", args);
      const from = ref(p, user);
      if (changes.name === undefined && changes.host === undefined && changes.password === undefined) {
        throw new ValidationError("USER_UPDATE_EMPTY", `Nothing to change for user ${userKey(from)}.`);
      }
      if (changes.name !== undefined) checkUserName(caps, changes.name);
      const host = changes.host === undefined ? from.host : checkHost(caps, changes.host);
      if (changes.password !== undefined) checkPassword(changes.password, `user "${userKey(from)}"`);
      await requireUser(p, from);
      const to: UserRef = { name: changes.name ?? from.name, ...(host !== undefined ? { host } : {}) };
      if (userKey(to) !== userKey(from) && (await userKeys(p)).has(userKey(to))) throw userExists(to);
      await p.engine.updateUser(p.layout, p.state.admin, from, {
        ...(to.name !== from.name ? { name: to.name } : {}),
        ...(to.host !== from.host && to.host !== undefined ? { host: to.host } : {}),
        ...(changes.password !== undefined ? { password: changes.password } : {}),
      });
      agent.log.info({ user: userKey(from), to: userKey(to) }, "user updated");
    }),

    change_passwords: on("change_passwords", async (p, args) => {
      const given = parsePasswords("change_passwords", args);
      const users = given.map((u) => {
        const r = ref(p, u);
        checkPassword(u.password, `user "${userKey(r)}"`);
        return { ...r, password: u.password };
      });
      const keys = users.map((u) => userKey(u));
      const twice = keys.find((k, i) => keys.indexOf(k) !== i);
      if (twice !== undefined) {
        throw new ValidationError("USER_DUPLICATE", `User "${twice}" is listed more than once.`);
      }
      for (const user of users) await requireUser(p, user);
      await p.engine.changePasswords(p.layout, p.state.admin, users);
      agent.log.info({ users: keys }, "passwords changed");
    }),

    delete_user: on("delete_user", async (p, args) => {
      const user = ref(p, parseUser("delete_user", args));
      await requireUser(p, user);
      await p.engine.deleteUser(p.layout, p.state.admin, user);
      agent.log.info({ user: userKey(user) }, "user deleted");
    }),

    list_access: on("list_access", async (p, args) => {
      return (await requireUser(p, ref(p, parseUser("list_access", args)))).databases;
    }),

    grant_access: on("grant_access", async (p, args) => {
      const parsed = parseGrant("grant_access", args);
      const user = ref(p, parsed.user);
      const databases = checkGrantList(p.engine.capabilities, parsed.databases, userKey(user));
      await requireUser(p, user);
      await requireDatabases(p, databases);
      await p.engine.grantAccess(p.layout, p.state.admin, user, databases);
      agent.log.info({ user: userKey(user), databases }, "access granted");
    }),

    revoke_access: on("revoke_access", async (p, args) => {
      const parsed = parseRevoke("revoke_access", args);
      const user = ref(p, parsed.user);
      checkDatabaseName(p.engine.capabilities, parsed.database);
      const found = await requireUser(p, user);
      await requireDatabases(p, [parsed.database]);
      if (!found.databases.includes(parsed.database)) {
        throw new NotFoundError(
          "USER_ACCESS_NOT_FOUND",
          `User ${userKey(user)} has no access to database "${parsed.database}".`,
          { details: { user: userKey(user), database: parsed.database } },
        );
      }
      await p.engine.revokeAccess(p.layout, p.state.admin, user, parsed.database);
      agent.log.info({ user: userKey(user), database: parsed.database }, "access revoked");
    }),
  };
}
