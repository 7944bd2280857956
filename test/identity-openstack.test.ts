import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, run, runChecked, waitFor } from "../src/lib/index.js";

/*
 * End to end: the real server (a child process on a free port, temp data dir) and the real
 * `openstack` client (Debian python3-openstackclient), driven through the identity issue's
 * "done when" list with the variables of the admin-openrc.sh that the first start wrote.
 */

const root = new URL("../..", import.meta.url).pathname;
let dir: string;
let server: ChildProcess | undefined;
let output = "";
let baseUrl: string;
let adminEnv: NodeJS.ProcessEnv;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "coffer-e2e-identity-"));
  const port = await freePort();
  server = spawn(
    process.execPath,
    [
      join(root, "dist/src/bin/coffer.js"),
      "server",
      "--data-dir",
      join(dir, "data"),
      "--port",
      String(port),
      "--roles",
      "api,conductor,taskmanager",
    ],
    { env: { ...cleanEnv(), COFFER_LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  server.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  server.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  await waitFor(async () => (output.includes("Coffer is ready at") ? true : undefined), {
    timeoutMs: 30_000,
    what: `the server's ready line (output so far: ${output})`,
  });
  baseUrl = `http://127.0.0.1:${port}`;
  adminEnv = { ...cleanEnv(), ...(await sourceOpenrc(join(dir, "data", "admin-openrc.sh"))) };
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

/** The test's environment without any OS_* credentials of whoever runs it; HOME is the temp dir. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OS_")) env[k] = v;
  return { ...env, HOME: dir };
}

/** Sources the file with bash, as a user would, and returns the OS_* variables it exported. */
async function sourceOpenrc(path: string): Promise<Record<string, string>> {
  const script = '. "$1" && for v in ${!OS_*}; do printf "%s=%s\\0" "$v" "${!v}"; done';
  const { stdout } = await runChecked("bash", ["-c", script, "-", path], { env: { PATH: process.env.PATH } });
  return Object.fromEntries(
    stdout
      .split("\0")
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
}

async function openstack(args: string[], env = adminEnv): Promise<unknown> {
  const result = await run("openstack", args, { env, timeoutMs: 60_000 });
  assert.equal(result.code, 0, `openstack ${args.join(" ")}: ${result.stderr}`);
  return result.stdout.trim() === "" ? undefined : JSON.parse(result.stdout);
}

test("admin-openrc.sh is private and names this server", async () => {
  assert.equal((await stat(join(dir, "data", "admin-openrc.sh"))).mode & 0o777, 0o600);
  assert.equal(adminEnv.OS_AUTH_URL, `${baseUrl}/v3`);
  assert.equal(adminEnv.OS_USERNAME, "admin");
  assert.ok((adminEnv.OS_PASSWORD ?? "").length >= 20, "a generated password");
  assert.match(output, /admin credentials: .*admin-openrc\.sh/);
});

test("the real openstack client: token, project, member user, role, assignments, catalog, login, 401", async () => {
  const token = (await openstack(["token", "issue", "-f", "json"])) as Record<string, string>;
  assert.ok(token.id && token.project_id && token.user_id && token.expires);

  const project = (await openstack(["project", "create", "e2e-project", "-f", "json"])) as Record<
    string,
    string
  >;
  assert.equal(project.name, "e2e-project");
  const projects = (await openstack(["project", "list", "-f", "json"])) as { Name: string }[];
  assert.deepEqual(projects.map((p) => p.Name).sort(), ["admin", "e2e-project"]);

  const user = (await openstack([
    "user",
    "create",
    "--project",
    "e2e-project",
    "--password",
    "e2e-pass-1",
    "e2e-user",
    "-f",
    "json",
  ])) as Record<string, string>;
  assert.equal(user.default_project_id, project.id);
  await openstack(["role", "add", "--project", "e2e-project", "--user", "e2e-user", "member"]);

  const assignments = (await openstack([
    "role",
    "assignment",
    "list",
    "--project",
    "e2e-project",
    "--names",
    "-f",
    "json",
  ])) as Record<string, string>[];
  assert.deepEqual(
    assignments.map((a) => [a.Role, a.User, a.Project]),
    [["member", "e2e-user@Default", "e2e-project@Default"]],
  );

  const catalog = (await openstack(["catalog", "list", "-f", "json"])) as {
    Type: string;
    Endpoints: { interface: string; url: string; region: string }[];
  }[];
  const database = catalog.find((s) => s.Type === "database");
  const publicDb = database?.Endpoints.find((e) => e.interface === "public");
  assert.equal(publicDb?.url, `${baseUrl}/v1.0/${token.project_id}`);
  assert.equal(publicDb?.region, "RegionOne");
  assert.ok(catalog.find((s) => s.Type === "identity")?.Endpoints.some((e) => e.url === `${baseUrl}/v3`));

  // The new user logs in and gets a token scoped to its project.
  const userEnv = {
    ...adminEnv,
    OS_USERNAME: "e2e-user",
    OS_PASSWORD: "e2e-pass-1",
    OS_PROJECT_NAME: "e2e-project",
  };
  const userToken = (await openstack(["token", "issue", "-f", "json"], userEnv)) as Record<string, string>;
  assert.equal(userToken.project_id, project.id);
  assert.equal(userToken.user_id, user.id);

  // A wrong password is a 401.
  const wrong = await run("openstack", ["token", "issue", "-f", "json"], {
    env: { ...userEnv, OS_PASSWORD: "not-it" },
    timeoutMs: 60_000,
  });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /HTTP 401/);

  // A member cannot use the admin API.
  const denied = await run("openstack", ["user", "list", "-f", "json"], { env: userEnv, timeoutMs: 60_000 });
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /HTTP 403/);

  // The admin changes the password; revokes a token; the old password stops working.
  await openstack(["user", "set", "--password", "e2e-pass-2", "e2e-user"]);
  const old = await run("openstack", ["token", "issue"], { env: userEnv, timeoutMs: 60_000 });
  assert.match(old.stderr, /HTTP 401/);
  const fresh = (await openstack(["token", "issue", "-f", "json"], {
    ...userEnv,
    OS_PASSWORD: "e2e-pass-2",
  })) as Record<string, string>;
  await openstack(["token", "revoke", fresh.id!]);
  const check = await fetch(`${baseUrl}/v3/auth/tokens`, {
    headers: { "x-auth-token": token.id, "x-subject-token": fresh.id! },
  });
  assert.equal(check.status, 404, "a revoked token no longer validates");

  await openstack(["role", "remove", "--project", "e2e-project", "--user", "e2e-user", "member"]);
  await openstack(["user", "delete", "e2e-user"]);
  await openstack(["project", "delete", "e2e-project"]);
  assert.deepEqual(
    ((await openstack(["project", "list", "-f", "json"])) as { Name: string }[]).map((p) => p.Name),
    ["admin"],
  );
});

test("coffer and trove log in with the same variables", async () => {
  const coffer = await runChecked(
    process.execPath,
    [join(root, "dist/src/bin/coffer.js"), "token", "issue", "--json"],
    {
      env: adminEnv,
    },
  );
  const session = JSON.parse(coffer.stdout) as Record<string, string>;
  assert.match(session.database_url!, new RegExp(`^${baseUrl}/v1\\.0/[0-9a-f-]{36}$`));
  const trove = await run("trove", ["--json", "limit-list"], { env: adminEnv, timeoutMs: 60_000 });
  assert.equal(trove.code, 0, trove.stderr);
  assert.match(trove.stdout, /max_instances/);
});
