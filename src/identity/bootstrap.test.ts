import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { UnauthorizedError } from "../domain/index.js";
import { runChecked } from "../lib/index.js";
import { openIdentityFixture, FIXTURE_ADMIN_PASSWORD } from "./testing.js";

test("the first start creates the domain, roles, admin project and user, and a private openrc", async (t) => {
  const fx = await openIdentityFixture();
  t.after(() => fx.close());
  const d = fx.identity.directory;
  assert.deepEqual(
    (await d.listDomains()).map((x) => [x.id, x.name]),
    [["default", "Default"]],
  );
  assert.deepEqual(
    (await d.listRoles()).map((r) => r.name),
    ["admin", "member", "reader"],
  );
  assert.deepEqual(
    (await d.rolesOf(fx.admin.project.id, fx.admin.user.id)).map((r) => r.name),
    ["admin"],
  );
  assert.equal(fx.admin.user.defaultProjectId, fx.admin.project.id);

  const path = join(fx.dir, "admin-openrc.sh");
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const text = await readFile(path, "utf8");
  for (const line of [
    `export OS_AUTH_URL='${fx.config.publicUrl}/v3'`,
    "export OS_USERNAME='admin'",
    `export OS_PASSWORD='${FIXTURE_ADMIN_PASSWORD}'`,
    "export OS_PROJECT_NAME='admin'",
    "export OS_USER_DOMAIN_NAME='Default'",
    "export OS_PROJECT_DOMAIN_NAME='Default'",
    "export OS_REGION_NAME='RegionOne'",
    "export OS_IDENTITY_API_VERSION=3",
  ]) {
    assert.ok(text.includes(line + "\n"), `missing ${line}`);
  }
});

test("later starts change nothing; a reset sets a new password, unlocks and rewrites the openrc", async (t) => {
  const fx = await openIdentityFixture();
  t.after(() => fx.close());
  const path = join(fx.dir, "admin-openrc.sh");
  const before = await readFile(path, "utf8");
  const again = await fx.identity.bootstrap({ adminPassword: "ignored" });
  assert.deepEqual(again, { changed: [], passwordSet: false });
  assert.equal(await readFile(path, "utf8"), before);
  await fx.identity.tokens.validate(fx.admin.token);

  await fx.store.users.update(fx.admin.user.id, { lockedUntil: new Date(Date.now() + 3_600_000) });
  const reset = await fx.identity.bootstrap({ resetAdminPassword: true });
  assert.equal(reset.passwordSet, true);
  assert.ok(reset.generatedPassword && reset.generatedPassword.length >= 24);
  assert.deepEqual(reset.changed, ["password of user admin"]);
  assert.ok((await readFile(path, "utf8")).includes(`export OS_PASSWORD='${reset.generatedPassword}'`));
  await assert.rejects(fx.identity.tokens.validate(fx.admin.token), (e) => e instanceof UnauthorizedError);
  await fx.login("admin", reset.generatedPassword, "admin");
  await assert.rejects(
    fx.login("admin", FIXTURE_ADMIN_PASSWORD, "admin"),
    (e) => e instanceof UnauthorizedError,
  );
});

test("an openrc value with quotes stays one shell word", async (t) => {
  const fx = await openIdentityFixture();
  t.after(() => fx.close());
  const result = await fx.identity.bootstrap({ resetAdminPassword: true, adminPassword: "it's $HOME `x`" });
  assert.equal(result.generatedPassword, undefined);
  const text = await readFile(join(fx.dir, "admin-openrc.sh"), "utf8");
  assert.ok(text.includes(`export OS_PASSWORD='it'\\''s $HOME \`x\`'\n`));
  const sourced = await runChecked("bash", [
    "-c",
    '. "$1" && printf %s "$OS_PASSWORD"',
    "-",
    join(fx.dir, "admin-openrc.sh"),
  ]);
  assert.equal(sourced.stdout, "it's $HOME `x`");
});
