import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, run, waitFor } from "../src/lib/index.js";

/*
 * End to end: `coffer-manage` writes the catalog, then the real server (a child process on a free
 * port with a temp data dir; roles api, conductor and taskmanager — no compute host, so instances
 * never get past BUILD) answers the `coffer` CLI, run as a user would with OS_* variables.
 */

const root = new URL("../..", import.meta.url).pathname;
const PASSWORD = "cli-test-admin-pass-1";
let dir: string;
let dataDir: string;
let server: ChildProcess | undefined;
let output = "";
let env: NodeJS.ProcessEnv;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function bin(name: "coffer" | "coffer-manage", args: string[]): Promise<Result> {
  return run(process.execPath, [join(root, `dist/src/bin/${name}.js`), ...args], { env, timeoutMs: 60_000 });
}

/** `coffer …`, which must succeed. */
async function coffer(...args: string[]): Promise<string> {
  const r = await bin("coffer", args);
  assert.equal(r.code, 0, `coffer ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function cofferJson<T>(...args: string[]): Promise<T> {
  return JSON.parse(await coffer(...args, "--json")) as T;
}

/** `coffer …`, which must fail; its stderr. */
async function cofferFails(...args: string[]): Promise<string> {
  const r = await bin("coffer", args);
  assert.notEqual(r.code, 0, `coffer ${args.join(" ")} should have failed: ${r.stdout}`);
  return r.stderr;
}

async function manage(...args: string[]): Promise<string> {
  const r = await bin("coffer-manage", [...args, "--data-dir", dataDir]);
  assert.equal(r.code, 0, `coffer-manage ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "coffer-e2e-cli-"));
  dataDir = join(dir, "data");
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OS_")) clean[k] = v;
  env = { ...clean, HOME: dir, COFFER_LOG_LEVEL: "warn" };

  // The catalog, as an operator would write it before the first start.
  const pg = "/usr/lib/postgresql/15/bin";
  await manage("datastore_version_update", "postgresql", "15", "postgresql", pg, "", "1");
  assert.equal(await manage("datastore_update", "postgresql", "15"), "Datastore 'postgresql' updated.\n");
  await manage("flavor-create", "1", "m1.tiny", "512", "1", "--disk", "1");
  await manage("flavor_create", "2", "m1.small", "2048", "1", "--disk", "20");

  const port = await freePort();
  server = spawn(
    process.execPath,
    [
      join(root, "dist/src/bin/coffer.js"),
      "server",
      ...["--data-dir", dataDir, "--port", String(port), "--roles", "api,conductor,taskmanager"],
      ...["--default-datastore", "postgresql"],
    ],
    { env: { ...env, COFFER_ADMIN_PASSWORD: PASSWORD }, stdio: ["ignore", "pipe", "pipe"] },
  );
  server.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  server.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  await waitFor(async () => (output.includes("Coffer is ready at") ? true : undefined), {
    timeoutMs: 30_000,
    what: `the server's ready line (output so far: ${output})`,
  });
  Object.assign(env, {
    OS_AUTH_URL: `http://127.0.0.1:${port}/v3`,
    OS_USERNAME: "admin",
    OS_PASSWORD: PASSWORD,
    OS_PROJECT_NAME: "admin",
    OS_USER_DOMAIN_NAME: "Default",
    OS_PROJECT_DOMAIN_NAME: "Default",
  });
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once("exit", resolve));
    server.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (server.exitCode === null) server.kill("SIGKILL");
  }
  await rm(dir, { recursive: true, force: true });
});

/** A property table's value for a property. */
function property(table: string, name: string): string | undefined {
  const row = table.split("\n").find((l) => l.startsWith(`| ${name} `));
  return row?.split("|")[2]?.trim();
}

test("flavors: list, show by id and by name, unknown", async () => {
  const table = await coffer("flavor-list");
  assert.match(table, /\| ID \| Name +\| RAM +\| vCPUs \| Disk \| Ephemeral \|/);
  assert.match(table, /\| +1 \| m1\.tiny +\| +512 \| +1 \| +1 \| +0 \|\n\| +2 \| m1\.small \| 2048 \|/);
  const flavors = await cofferJson<{ name: string }[]>("flavor-list");
  assert.deepEqual(flavors.map((f) => f.name).sort(), ["m1.small", "m1.tiny"]);
  const small = await coffer("flavor-show", "m1.small");
  assert.equal(property(small, "ram"), "2048");
  assert.equal(property(small, "id"), "2");
  assert.equal((await cofferJson<{ name: string }>("flavor-show", "1")).name, "m1.tiny");
  assert.match(
    await cofferFails("flavor-show", "m9.huge"),
    /No flavor with a name or ID of 'm9\.huge' exists\./,
  );
});

test("datastores: list, show, version list and show", async () => {
  assert.match(await coffer("datastore-list"), /\| postgresql \| 15 +\| 15 +\|/);
  const show = await coffer("datastore-show", "postgresql");
  assert.equal(property(show, "default_version"), "15");
  const versions = await cofferJson<{ id: string; name: string }[]>("datastore-version-list", "postgresql");
  assert.deepEqual(
    versions.map((v) => v.name),
    ["15"],
  );
  assert.match(property(show, "versions (id)") ?? "", new RegExp(`^15 \\(${versions[0]!.id}\\)$`));
  const byName = await coffer("datastore-version-show", "15", "--datastore", "postgresql");
  assert.equal(property(byName, "id"), versions[0]!.id);
  const byId = await cofferJson<{ name: string }>("datastore-version-show", versions[0]!.id);
  assert.equal(byId.name, "15");
  assert.match(await cofferFails("datastore-version-show", "15"), /datastore name or id is required/);
  assert.match(
    await cofferFails("datastore-show", "oracle"),
    /Datastore 'oracle' cannot be found\. \(HTTP 404\)/,
  );
});

test("instances: create by flavor id and name, list, show by name, a refused resize, force-delete", async () => {
  const vm1 = await coffer("create", "vm1", "1", "--size", "1", "--databases", "db1", "--users", "u1:p1");
  assert.equal(property(vm1, "status"), "BUILD");
  assert.equal(property(vm1, "flavor"), "1");
  assert.equal(property(vm1, "datastore"), "postgresql");
  const vm1Id = property(vm1, "id")!;
  const vm2 = await cofferJson<{ id: string; status: string; flavor: { id: string } }>(
    "create",
    "vm2",
    "m1.small",
    "--size",
    "2",
    "--datastore",
    "postgresql",
    "--datastore-version",
    "15",
  );
  assert.equal(vm2.status, "BUILD");
  assert.equal(vm2.flavor.id, "2");

  const list = await coffer("list");
  assert.match(
    list,
    /\| ID +\| Name \| Datastore +\| Datastore Version \| Status +\| Flavor ID \| Size \| Region +\|/,
  );
  assert.match(list, new RegExp(`\\| ${vm1Id} \\| vm1 +\\| postgresql \\| 15 +\\| \\w+ +\\| 1 +\\| +1 \\|`));
  assert.match(list, new RegExp(`\\| ${vm2.id} \\| vm2 +\\|`));
  const shown = await coffer("show", "vm1");
  assert.equal(property(shown, "id"), vm1Id);
  assert.equal(property(shown, "name"), "vm1");
  // Without a compute host the create never gets past BUILD (or fails at once to ERROR).
  assert.match(property(shown, "status") ?? "", /^(BUILD|ERROR)$/);

  assert.match(
    await cofferFails("resize-volume", "vm1", "5"),
    /^ERROR: Instance .* is not currently available for an action to be performed .*\(HTTP 422\)$/m,
  );
  assert.match(await cofferFails("resize-volume", "vm1", "big"), /invalid for argument 'size'/);

  // update: a rename, access (stored as is: never placed), contradictory or empty flags refused.
  await coffer("update", "vm1", "--name", "vm1b", "--allowed-cidr", "198.51.100.0/24");
  const updated = await cofferJson<{ name: string; access: { allowed_cidrs: string[] } }>("show", vm1Id);
  assert.equal(updated.name, "vm1b");
  assert.deepEqual(updated.access.allowed_cidrs, ["198.51.100.0/24"]);
  assert.match(await cofferFails("update", "vm1b", "--is-public", "--is-private"), /exclude each other/);
  assert.match(await cofferFails("update", "vm1b"), /Nothing to update/);
  // No public pool here: is_public is accepted and recorded (the instance keeps its one address).
  await coffer("update", "vm1b", "--is-public");
  assert.equal((await cofferJson<{ access: { is_public: boolean } }>("show", vm1Id)).access.is_public, true);
  await coffer("update", vm1Id, "--name", "vm1");

  const deleted = await bin("coffer", ["force-delete", "vm1", "--wait", "--timeout", "30"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout, `Request to force delete instance ${vm1Id} has been accepted.\n`);
  assert.match(deleted.stderr, /\] DELETED$/m);
  assert.match(await cofferFails("show", "vm1"), /No instance with a name or ID of 'vm1' exists\./);
  assert.match(await cofferFails("show", vm1Id), /No instance with a name or ID/);
  await coffer("force-delete", vm2.id, "--wait");
  assert.doesNotMatch(await coffer("list"), /vm[12]/);
});

test("names shared by two instances must be given by id; --wait reports and ends", async () => {
  const a = await cofferJson<{ id: string }>("create", "twin", "1", "--size", "1");
  const b = await cofferJson<{ id: string }>("create", "twin", "1", "--size", "1");
  assert.match(await cofferFails("show", "twin"), /Multiple instance matches found for 'twin', use an ID/);
  assert.equal(property(await coffer("show", b.id), "id"), b.id);

  // No compute host: the wait ends in ERROR (with the fault) or, if the create hangs, in a timeout.
  const waited = await bin("coffer", [
    "create",
    "waiter",
    "m1.tiny",
    "--size",
    "1",
    "--wait",
    "--timeout",
    "3",
  ]);
  assert.notEqual(waited.code, 0);
  assert.match(waited.stderr, /^\[ +0\.0s\] BUILD$/m);
  assert.match(waited.stderr, /went to ERROR: |Timed out after/);
  const waiter = (await cofferJson<{ id: string; name: string }[]>("list")).find((i) => i.name === "waiter");
  for (const id of [a.id, b.id, waiter!.id]) await coffer("force-delete", id, "--wait");
});

test("coffer-manage changes the catalog under a running server", async () => {
  assert.equal(
    await manage("flavor-create", "42", "x1.custom", "1024", "2", "--ephemeral", "5"),
    "Flavor 'x1.custom' (42) created.\n",
  );
  const flavor = await coffer("flavor-show", "x1.custom");
  assert.equal(property(flavor, "id"), "42");
  assert.equal(property(flavor, "ram"), "1024");
  assert.equal(property(flavor, "ephemeral"), "5");

  const pg = "/usr/lib/postgresql/15/bin";
  await manage(
    "datastore-version-update",
    "postgresql",
    "15.x",
    "postgresql",
    pg,
    "a,b",
    "1",
    "--version",
    "15.99",
  );
  const versions = await cofferJson<{ name: string; version: string }[]>(
    "datastore-version-list",
    "postgresql",
  );
  assert.deepEqual(versions.map((v) => [v.name, v.version]).sort(), [
    ["15", "15"],
    ["15.x", "15.99"],
  ]);
  const listed = await manage("datastore-list");
  assert.match(
    listed,
    /\| postgresql \| 15\.x +\| 15\.99 +\| postgresql \| true +\| false +\| \/usr\/lib\/postgresql\/15\/bin \| a, b +\|/,
  );
  await manage("flavor-delete", "42");
  assert.match(await cofferFails("flavor-show", "42"), /No flavor with a name or ID of '42' exists/);
});
