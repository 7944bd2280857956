import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { run, waitFor } from "../src/lib/index.js";
import { login, type ApiClient } from "./support/api.js";
import { startCoffer, type CofferServer } from "./support/coffer-server.js";

/*
 * An engine that cannot start says why, in its own words, to the member who owns the instance
 * (without the host's paths) and to an admin (with the details). Each engine's standard port on the
 * instance's address is taken by another program while the engine is stopped, as another server
 * on the same host would: the member's restart fails with the engine's "Address already in use",
 * and succeeds once the port is free again.
 */

let server: CofferServer;
let admin: ApiClient;
let member: ApiClient;

before(async () => {
  server = await startCoffer();
  admin = await login(server.url, server.env);
  member = await memberOf(admin, "faults");
});
after(() => server.close());

interface Fault {
  message: string;
  created: string;
  details?: string;
}
interface View {
  id: string;
  status: string;
  operating_status: string;
  ip?: string[];
  fault?: Fault;
}

const ENGINES = [
  { datastore: "mysql", port: 3306, says: /Bind on TCP\/IP port\. Got error: 98: Address already in use/ },
  {
    datastore: "postgresql",
    port: 5432,
    says: /could not bind IPv4 address "[\d.]+": Address already in use/,
  },
];
/** An absolute path with two or more parts: what a member's fault must not show. */
const HOST_PATH = /(?<![\w.~:/-])\/[^\s/'"]+\/[^\s'"]+/;

for (const engine of ENGINES) {
  test(`${engine.datastore}: a start that fails shows the engine's reason, to the member and (with details) to an admin`, async (t) => {
    const created = await member.trove<{ instance: View }>("POST", "/instances", {
      instance: {
        name: `fault-${engine.datastore}`,
        flavorRef: "1",
        volume: { size: 1 },
        datastore: { type: engine.datastore },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.instance.id;
    const active = await until(member, id, (v) => v.status === "ACTIVE", "ACTIVE");
    const address = active.ip![0]!;

    // Stopped by the admin; then another program takes the engine's port on its address.
    const stop = await admin.trove("POST", `/mgmt/instances/${id}/action`, { stop: {} });
    assert.equal(stop.status, 202);
    await until(member, id, (v) => v.operating_status === "SHUTDOWN", "stopped");
    const squatter = await listen(address, engine.port);
    try {
      const restart = await member.trove("POST", `/instances/${id}/action`, { restart: {} });
      assert.equal(restart.status, 202, JSON.stringify(restart.body));
      const failed = await until(
        member,
        id,
        (v) => v.fault !== undefined && v.status !== "REBOOT",
        "a fault",
      );
      const fault = failed.fault!;
      t.diagnostic(`member sees: ${fault.message}`);
      assert.match(fault.message, /^Restarting the instance failed: /);
      assert.match(fault.message, engine.says, "the engine's own words");
      assert.doesNotMatch(fault.message, /see its log/);
      assert.doesNotMatch(fault.message, HOST_PATH, "no path of the host for a member");
      assert.equal(fault.details, undefined, "details are for admins");

      // An admin reads any project's instance through its own project's path.
      const seen = await admin.trove<{ instance: View }>("GET", `/instances/${id}`);
      assert.equal(seen.status, 200);
      const adminFault = seen.body.instance.fault!;
      assert.equal(adminFault.message, fault.message);
      assert.match(adminFault.details ?? "", /^GUEST_ENGINE_EXITED: /);
      assert.match(adminFault.details ?? "", engine.says);
      assert.ok(
        adminFault.details?.includes(`${server.dir}/compute/agent/logs/${id}/`),
        "the log files, for admins",
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }

    // With the port free again, the same restart works (once the heartbeat's own attempt to bring
    // the engine back, which may be under way, is done), and the fault is gone.
    await waitFor(
      async () => {
        const again = await member.trove("POST", `/instances/${id}/action`, { restart: {} });
        if (again.status === 422) return undefined;
        assert.equal(again.status, 202, JSON.stringify(again.body));
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: "the restart to be accepted" },
    );
    const back = await until(
      member,
      id,
      (v) => v.status === "ACTIVE" && v.fault === undefined,
      "ACTIVE again",
    );
    assert.deepEqual(back.ip, active.ip);
    assert.equal(await answers(engine.datastore, address), true);
  });
}

async function until(api: ApiClient, id: string, ok: (v: View) => boolean, what: string): Promise<View> {
  return waitFor(
    async () => {
      const res = await api.trove<{ instance: View }>("GET", `/instances/${id}`);
      assert.equal(res.status, 200);
      const view = res.body.instance;
      if (view.status === "ERROR") throw new Error(`${id} went to ERROR: ${JSON.stringify(view)}`);
      return ok(view) ? view : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 300, what: `${id} ${what}` },
  );
}

function listen(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const squatter = createServer((socket) => socket.destroy());
    squatter.once("error", reject);
    squatter.listen({ host, port, exclusive: true }, () => resolve(squatter));
  });
}

/** The engine answers a query over TCP (no user was made: the engine refusing a login still answers). */
async function answers(datastore: string, host: string): Promise<boolean> {
  const result =
    datastore === "mysql"
      ? await run("mysql", ["--protocol=TCP", "-h", host, "-u", "nobody", "-pnone", "-e", "SELECT 1"])
      : await run("psql", ["-h", host, "-U", "nobody", "-d", "none", "-c", "SELECT 1"], {
          env: { ...process.env, PGPASSWORD: "none", PGCONNECT_TIMEOUT: "5" },
        });
  // Refused by the engine's authentication, not by a closed port.
  return /Access denied|password authentication failed/.test(result.stderr);
}

/** A project with a member (not an admin) in it, made through the Keystone API; logged in. */
async function memberOf(api: ApiClient, name: string): Promise<ApiClient> {
  const project = await api.request<{ project: { id: string } }>("POST", "/v3/projects", {
    project: { name, domain_id: "default" },
  });
  assert.equal(project.status, 201, JSON.stringify(project.body));
  const password = "faults-pw-1";
  const user = await api.request<{ user: { id: string } }>("POST", "/v3/users", {
    user: {
      name: `${name}-user`,
      password,
      domain_id: "default",
      default_project_id: project.body.project.id,
    },
  });
  assert.equal(user.status, 201, JSON.stringify(user.body));
  const roles = await api.request<{ roles: { id: string; name: string }[] }>("GET", "/v3/roles?name=member");
  const role = roles.body.roles.find((r) => r.name === "member")!;
  const grant = await api.request(
    "PUT",
    `/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${role.id}`,
  );
  assert.equal(grant.status, 204);
  return login(server.url, {
    OS_USERNAME: `${name}-user`,
    OS_PASSWORD: password,
    OS_PROJECT_NAME: name,
  });
}
