import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { run, waitFor } from "../src/lib/index.js";
import { startCoffer, trove, type CofferServer } from "./support/coffer-server.js";

/*
 * The compute face through the real clients (Horizon's issue "done when" and the compatibility
 * issue's items 4 and 6): `openstack flavor list`, `availability zone list --compute` and
 * `server list` as an admin and as a member, each instance's `server_id` resolving to its server,
 * the server's flavor following a resize (what upstream's test_resize checks), and tempest's own
 * compute clients, which hold every answer to Nova's v2.1 JSON schemas.
 */

const root = new URL("../..", import.meta.url).pathname;
let server: CofferServer;
let memberEnv: NodeJS.ProcessEnv;
let instanceId = "";
const NAME = "faces-pg";

before(async () => {
  server = await startCoffer();
  await openstack(["project", "create", "faces"]);
  await openstack(["user", "create", "--project", "faces", "--password", "mia-pass-1", "mia"]);
  await openstack(["role", "add", "--project", "faces", "--user", "mia", "member"]);
  memberEnv = {
    ...server.env,
    OS_USERNAME: "mia",
    OS_PASSWORD: "mia-pass-1",
    OS_PROJECT_NAME: "faces",
  };
});
after(async () => {
  // The member's instance is not the admin project's, which close() cleans up.
  if (instanceId) await trove(server, ["force-delete", instanceId]);
  await server.close();
});

async function openstack<T = unknown>(args: string[], env = server.env): Promise<T> {
  const result = await run("openstack", args, { env, timeoutMs: 120_000 });
  assert.equal(result.code, 0, `openstack ${args.join(" ")}: ${result.stderr}`);
  return (args.includes("json") ? JSON.parse(result.stdout) : result.stdout) as T;
}

async function troveJson<T>(args: string[], env = server.env): Promise<T> {
  const result = await trove(server, ["--json", ...args], env);
  assert.equal(result.code, 0, `trove ${args.join(" ")}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** `trove --json show` flattens the view: `flavor` is the flavor's id. */
type Shown = { status: string; flavor: string };
function until(status: (s: Shown) => boolean, what: string) {
  return waitFor(
    async () => {
      const view = await troveJson<Shown>(["show", instanceId], memberEnv);
      if (view.status === "ERROR") throw new Error(`${NAME} went to ERROR`);
      return status(view) ? view : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 500, what },
  );
}

test("an admin lists datastore versions with the real clients (no `manager` over the client's own)", async () => {
  for (const datastore of ["mysql", "postgresql"]) {
    const versions = await troveJson<{ id: string; name: string }[]>(["datastore-version-list", datastore]);
    assert.ok(versions.length > 0, datastore);
    const shown = await troveJson<{ id: string }>(["datastore-version-show", versions[0]!.id]);
    assert.equal(shown.id, versions[0]!.id);
  }
  const listed = await openstack<{ Name: string }[]>([
    "datastore",
    "version",
    "list",
    "postgresql",
    "-f",
    "json",
  ]);
  assert.ok(listed.length > 0);
});

test("openstack flavor list: Coffer's flavors, for members and admins", async () => {
  const coffer = await troveJson<{ str_id: string; name: string; ram: number }[]>(["flavor-list"]);
  for (const env of [server.env, memberEnv]) {
    const flavors = await openstack<{ ID: string; Name: string; RAM: number; "Is Public": boolean }[]>(
      ["flavor", "list", "-f", "json"],
      env,
    );
    assert.deepEqual(
      flavors.map((f) => [f.ID, f.Name, f.RAM]).sort(),
      coffer.map((f) => [f.str_id, f.name, f.ram]).sort(),
    );
    assert.ok(flavors.every((f) => f["Is Public"] === true));
  }
  const shown = await openstack<{ name: string; vcpus: number }>(["flavor", "show", "c1.nano", "-f", "json"]);
  assert.equal(shown.name, "c1.nano");
});

test("openstack availability zone list --compute: one zone; its host for admins", async () => {
  const zones = await openstack<{ "Zone Name": string; "Zone Status": string }[]>(
    ["availability", "zone", "list", "--compute", "-f", "json"],
    memberEnv,
  );
  assert.deepEqual(zones, [{ "Zone Name": "nova", "Zone Status": "available" }]);
  const long = await openstack<{ "Zone Name": string; "Host Name": string; "Service Status": string }[]>([
    "availability",
    "zone",
    "list",
    "--compute",
    "--long",
    "-f",
    "json",
  ]);
  assert.equal(long.length, 1);
  assert.equal(long[0]!["Zone Name"], "nova");
  assert.ok(long[0]!["Host Name"], "the server's own compute host");
  assert.match(long[0]!["Service Status"], /^enabled :-\)/);
});

test("openstack server list: each instance's server; server_id resolves to it; the flavor follows a resize", async () => {
  assert.deepEqual(await openstack(["server", "list", "-f", "json"], memberEnv), []);
  const created = await troveJson<{ id: string }>(
    ["create", NAME, "6", "--size", "1", "--datastore", "postgresql"],
    memberEnv,
  );
  instanceId = created.id;
  await until((v) => v.status === "ACTIVE", `${NAME} ACTIVE`);

  type Row = { ID: string; Name: string; Status: string; Flavor: string; Networks: unknown };
  const mine = await openstack<Row[]>(["server", "list", "-f", "json"], memberEnv);
  assert.deepEqual(
    mine.map((s) => [s.ID, s.Name, s.Status, s.Flavor]),
    [[instanceId, NAME, "ACTIVE", "c1.nano"]],
  );
  assert.deepEqual(await openstack(["server", "list", "-f", "json"]), [], "not in the admin's project");
  const all = await openstack<Row[]>(["server", "list", "--all-projects", "-f", "json"]);
  assert.deepEqual(
    all.map((s) => s.ID),
    [instanceId],
  );

  // Trove's management view names the instance's server; the compute face shows it.
  const asAdmin = await troveJson<{ server_id: string; ip: string[] | string }>(["show", instanceId]);
  const shown = await openstack<{ id: string; name: string; addresses: Record<string, string[]> }>([
    "server",
    "show",
    asAdmin.server_id,
    "-f",
    "json",
  ]);
  assert.equal(shown.id, instanceId);
  assert.equal(shown.name, NAME);
  const ip = Array.isArray(asAdmin.ip) ? asAdmin.ip[0] : asAdmin.ip;
  assert.deepEqual(shown.addresses, { private: [ip] });

  const resize = await trove(server, ["resize-instance", instanceId, "7"], memberEnv);
  assert.equal(resize.code, 0, resize.stderr);
  await until((v) => v.status === "ACTIVE" && v.flavor === "7", `${NAME} resized to c1.micro`);
  // What upstream's test_resize asks tempest's servers client, schemas checked.
  const checked = await tempestCompute(NAME);
  assert.deepEqual(checked.servers, [{ id: instanceId, flavor: "7", status: "ACTIVE" }]);
  assert.equal(checked.shown, NAME);
  assert.equal(checked.flavor, "c1.micro");
  assert.deepEqual(checked.extra_specs, {});
  assert.deepEqual(checked.zones, ["nova"]);
  assert.ok(checked.flavors.includes("7"));
});

interface TempestResult {
  servers: { id: string; flavor: string; status: string }[];
  shown: string | null;
  flavors: string[];
  flavor: string | null;
  extra_specs: Record<string, string> | null;
  zones: string[];
}

async function tempestCompute(serverName: string): Promise<TempestResult> {
  const e = server.env;
  const result = await run(
    "/usr/bin/python3",
    [
      join(root, "test/support/tempest_compute.py"),
      e.OS_AUTH_URL!,
      e.OS_USERNAME!,
      e.OS_PASSWORD!,
      e.OS_PROJECT_NAME!,
      serverName,
    ],
    { timeoutMs: 120_000 },
  );
  assert.equal(result.code, 0, `tempest's compute clients: ${result.stderr}`);
  return JSON.parse(result.stdout) as TempestResult;
}
