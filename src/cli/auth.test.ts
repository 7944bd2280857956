import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { addAuthFlags, resolveAuthOptions } from "./auth.js";

const openrc = {
  OS_AUTH_URL: "http://127.0.0.1:8779/v3",
  OS_USERNAME: "admin",
  OS_PASSWORD: "from-env",
  OS_PROJECT_NAME: "admin",
  OS_USER_DOMAIN_NAME: "Default",
  OS_PROJECT_DOMAIN_NAME: "Default",
  OS_REGION_NAME: "RegionOne",
};

test("OS_* variables, overridden by --os-* flags as commander parses them", () => {
  const command = addAuthFlags(new Command("x")).exitOverride();
  command.parse(["--os-password", "from-flag", "--os-project-id", "p1"], { from: "user" });
  const options = resolveAuthOptions(command.opts(), { ...openrc, HOME: "/nonexistent" });
  assert.deepEqual(options, {
    authUrl: "http://127.0.0.1:8779/v3",
    username: "admin",
    password: "from-flag",
    projectName: "admin",
    projectId: "p1",
    userDomainName: "Default",
    projectDomainName: "Default",
    regionName: "RegionOne",
  });
});

test("--os-cloud reads clouds.yaml (and secure.yaml); flags and variables win over it", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "coffer-clouds-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, "openstack"));
  await writeFile(
    join(dir, "openstack", "clouds.yaml"),
    [
      "clouds:",
      "  coffer:",
      "    auth:",
      "      auth_url: http://10.0.0.1:8779/v3",
      "      username: alice",
      "      project_name: web",
      "      domain_name: Default",
      "    region_name: RegionTwo",
      "    interface: internal",
      "  other:",
      "    auth: {auth_url: 'http://x/v3'}",
    ].join("\n"),
  );
  await writeFile(
    join(dir, "openstack", "secure.yaml"),
    "clouds:\n  coffer:\n    auth:\n      password: s3cret\n",
  );
  const env = { XDG_CONFIG_HOME: dir, HOME: "/nonexistent" };
  const options = resolveAuthOptions({ osCloud: "coffer" }, env, "/nonexistent");
  assert.deepEqual(options, {
    cloud: "coffer",
    authUrl: "http://10.0.0.1:8779/v3",
    username: "alice",
    password: "s3cret",
    projectName: "web",
    userDomainName: "Default",
    projectDomainName: "Default",
    regionName: "RegionTwo",
    interface: "internal",
  });
  const overridden = resolveAuthOptions(
    { osUsername: "bob" },
    { ...env, OS_CLOUD: "coffer", OS_REGION_NAME: "R3" },
    "/x",
  );
  assert.equal(overridden.username, "bob");
  assert.equal(overridden.regionName, "R3");
  assert.throws(
    () => resolveAuthOptions({ osCloud: "nope" }, env, "/nonexistent"),
    /Cloud nope was not found/,
  );

  const explicit = join(dir, "mine.yaml");
  await writeFile(explicit, "clouds:\n  c: {auth: {auth_url: 'http://y/v3', username: u}}\n");
  assert.equal(
    resolveAuthOptions({ osCloud: "c" }, { ...env, OS_CLIENT_CONFIG_FILE: explicit }).username,
    "u",
  );
  await writeFile(explicit, "clouds: [1, 2");
  assert.throws(
    () => resolveAuthOptions({ osCloud: "c" }, { ...env, OS_CLIENT_CONFIG_FILE: explicit }),
    /not valid YAML/,
  );
});
