import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { waitFor } from "../../src/lib/index.js";
import type { ApiClient, InstanceView } from "./api.js";
import type { CofferServer } from "./coffer-server.js";

/** What the warm-pool tests share: the pool's ready member, a create with one database and user, ACTIVE. */

/** The id of the server's ready pool member, once there is one. */
export function readyMember(server: CofferServer): Promise<string> {
  const dir = join(server.dir, "compute", "agent", "pool");
  return waitFor(
    async () => {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (!name.endsWith(".json")) continue;
        const record = JSON.parse(await readFile(join(dir, name), "utf8")) as { id: string; state: string };
        if (record.state === "ready") return record.id;
      }
      return undefined;
    },
    { timeoutMs: 90_000, intervalMs: 100, what: "a ready pool member" },
  );
}

/** A create of a 1 GB instance with database `shop` and one user granted on it. */
export async function createWithUser(
  api: ApiClient,
  datastore: string,
  name: string,
  flavor: string,
  user: string,
  password: string,
): Promise<InstanceView> {
  const res = await api.trove<{ instance: InstanceView }>("POST", "/instances", {
    instance: {
      name,
      flavorRef: flavor,
      volume: { size: 1 },
      datastore: { type: datastore },
      databases: [{ name: "shop" }],
      users: [{ name: user, password, databases: [{ name: "shop" }] }],
    },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.instance;
}

export function active(api: ApiClient, id: string): Promise<InstanceView> {
  return waitFor(
    async () => {
      const { body } = await api.trove<{ instance: InstanceView }>("GET", `/instances/${id}`);
      if (body.instance.status === "ERROR") throw new Error(`${id} went to ERROR`);
      return body.instance.status === "ACTIVE" ? body.instance : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 100, what: `${id} to be ACTIVE` },
  );
}
