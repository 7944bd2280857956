import { userInfo } from "node:os";
import { UpstreamError } from "../../domain/index.js";
import { run } from "../../lib/index.js";
import type { Logger } from "../../lib/index.js";
import type { RunAs } from "../types.js";
import { HOST_PATH, hostCommand } from "./commands.js";

export type RunAsUser = RunAs & { user: string };

async function lookup(user: string): Promise<RunAsUser | undefined> {
  const result = await run("getent", ["passwd", user], { env: { PATH: HOST_PATH } });
  if (result.code !== 0) return undefined;
  const fields = result.stdout.trim().split(":");
  return { user, uid: Number(fields[2]), gid: Number(fields[3]) };
}

/**
 * The identity engines run as. As root: a dedicated unprivileged system user, created when missing
 * (engines never run as root; PostgreSQL refuses to). Otherwise: Coffer's own user.
 */
export async function resolveRunAs(root: boolean, user: string, logger: Logger): Promise<RunAsUser> {
  if (!root) {
    const me = userInfo();
    return { user: me.username, uid: me.uid, gid: me.gid };
  }
  let found = await lookup(user);
  if (!found) {
    logger.info({ user }, "creating the system user engines run as");
    // Another process may create it at the same moment; look again before calling that a failure.
    const created = await hostCommand("useradd", [
      "--system",
      "--no-create-home",
      "--user-group",
      "--shell",
      "/usr/sbin/nologin",
      user,
    ]).catch((err: unknown) => err);
    found = await lookup(user);
    if (!found)
      throw created instanceof Error
        ? created
        : new UpstreamError("RUN_AS_USER_MISSING", `could not create user ${user}`);
  }
  if (found.uid === 0 || found.gid === 0) {
    throw new UpstreamError(
      "RUN_AS_USER_PRIVILEGED",
      `user ${user} has uid or gid 0; engines must not run as root`,
      {
        retryable: false,
      },
    );
  }
  return found;
}
