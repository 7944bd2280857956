import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from "../domain/index.js";
import { seedInstances } from "../store/testing.js";
import { openIdentityFixture, type IdentityFixture } from "./testing.js";

let fx: IdentityFixture;
before(async () => {
  fx = await openIdentityFixture();
});
after(() => fx.close());

const is = (type: new (...a: never[]) => Error, code?: string) => (e: unknown) =>
  e instanceof type && (code === undefined || (e as Error & { code: string }).code === code);

test("projects: create in the default domain, find by name, rename, duplicates conflict, delete", async () => {
  const d = fx.identity.directory;
  const p = await d.createProject({ name: "  web  ", description: "the web team" });
  assert.equal(p.name, "web");
  assert.equal(p.domainId, "default");
  assert.deepEqual(
    (await d.listProjects({ name: "web" })).map((x) => x.id),
    [p.id],
  );
  await assert.rejects(d.createProject({ name: "web" }), is(ConflictError, "PROJECT_EXISTS"));
  await assert.rejects(d.createProject({ name: "" }), is(ValidationError));
  await assert.rejects(
    d.createProject({ name: "x", domainId: "nope" }),
    is(NotFoundError, "DOMAIN_NOT_FOUND"),
  );
  assert.equal((await d.updateProject(p.id, { name: "web2", enabled: false })).enabled, false);
  await d.deleteProject(p.id);
  await assert.rejects(d.getProject(p.id), is(NotFoundError, "PROJECT_NOT_FOUND"));
  await assert.rejects(d.deleteProject(p.id), is(NotFoundError));
});

test("users: create with a password and default project, change the password, delete", async () => {
  const d = fx.identity.directory;
  const project = await d.createProject({ name: "ops" });
  const user = await d.createUser({ name: "olga", password: "pw1", defaultProjectId: project.id });
  assert.ok(user.passwordHash.startsWith("scrypt$"));
  assert.equal(user.defaultProjectId, project.id);
  await assert.rejects(d.createUser({ name: "olga", password: "x" }), is(ConflictError, "USER_EXISTS"));
  await assert.rejects(d.createUser({ name: "x", defaultProjectId: "nope" }), is(ValidationError));
  await assert.rejects(d.createUser({ name: "y", password: "" }), is(ValidationError, "PASSWORD_INVALID"));

  const member = (await d.listRoles({ name: "member" }))[0]!;
  await d.grant(project.id, user.id, member.id);
  await fx.login("olga", "pw1", "ops");
  await assert.rejects(d.changePassword(user.id, "wrong", "pw2"), is(UnauthorizedError));
  await d.changePassword(user.id, "pw1", "pw2");
  await assert.rejects(fx.login("olga", "pw1", "ops"), is(UnauthorizedError));
  await fx.login("olga", "pw2", "ops");

  await d.deleteUser(user.id);
  await assert.rejects(d.getUser(user.id), is(NotFoundError, "USER_NOT_FOUND"));
  assert.deepEqual(await d.listAssignments({ userId: user.id }), []);
});

test("a user without a password exists but cannot log in", async () => {
  const d = fx.identity.directory;
  const project = await d.createProject({ name: "nopw" });
  const user = await d.createUser({ name: "nopw-user" });
  await d.grant(project.id, user.id, (await d.listRoles({ name: "member" }))[0]!.id);
  await assert.rejects(fx.login("nopw-user", "", "nopw"), is(UnauthorizedError));
  await assert.rejects(fx.login("nopw-user", "anything", "nopw"), is(UnauthorizedError));
});

test("role assignments: grant is idempotent, revoke of nothing is 404, names must exist", async () => {
  const d = fx.identity.directory;
  const project = await d.createProject({ name: "grants" });
  const user = await d.createUser({ name: "grantee", password: "pw" });
  const reader = (await d.listRoles({ name: "reader" }))[0]!;
  await d.grant(project.id, user.id, reader.id);
  await d.grant(project.id, user.id, reader.id);
  assert.equal(await d.hasGrant(project.id, user.id, reader.id), true);
  assert.deepEqual(
    (await d.rolesOf(project.id, user.id)).map((r) => r.name),
    ["reader"],
  );
  assert.deepEqual(
    (await d.projectsOfUser(user.id)).map((p) => p.name),
    ["grants"],
  );
  await d.revoke(project.id, user.id, reader.id);
  assert.equal(await d.hasGrant(project.id, user.id, reader.id), false);
  await assert.rejects(
    d.revoke(project.id, user.id, reader.id),
    is(NotFoundError, "ROLE_ASSIGNMENT_NOT_FOUND"),
  );
  await assert.rejects(d.grant("nope", user.id, reader.id), is(NotFoundError, "PROJECT_NOT_FOUND"));
  await assert.rejects(d.grant(project.id, "nope", reader.id), is(NotFoundError, "USER_NOT_FOUND"));
  await assert.rejects(d.grant(project.id, user.id, "nope"), is(NotFoundError, "ROLE_NOT_FOUND"));
});

test("roles: custom roles come and go; built-in roles stay", async () => {
  const d = fx.identity.directory;
  const role = await d.createRole("auditor");
  await assert.rejects(d.createRole("auditor"), is(ConflictError, "ROLE_EXISTS"));
  await d.deleteRole(role.id);
  const admin = (await d.listRoles({ name: "admin" }))[0]!;
  await assert.rejects(d.deleteRole(admin.id), is(ForbiddenError, "ROLE_BUILTIN"));
  assert.deepEqual(
    (await d.listRoles()).map((r) => r.name),
    ["admin", "member", "reader"],
  );
});

test("deleting a project ends its tokens", async () => {
  const u = await fx.addUser("doomed", "doomed-user", ["member"]);
  await fx.identity.tokens.validate(u.token);
  await fx.identity.directory.deleteProject(u.project.id);
  await assert.rejects(fx.identity.tokens.validate(u.token), is(UnauthorizedError));
});

test("a project that owns instances is not deleted; once they are gone it is", async () => {
  const d = fx.identity.directory;
  const p = await d.createProject({ name: "busy-team" });
  const { flavor, version } = await seedInstances(fx.store, []);
  await fx.store.instances.create({
    id: "busy-1",
    projectId: p.id,
    name: "db",
    flavorId: flavor.id,
    datastoreVersionId: version.id,
    volumeSizeGb: 1,
    createdAt: new Date(),
  });
  await assert.rejects(d.deleteProject(p.id), is(ConflictError, "PROJECT_HAS_INSTANCES"));
  assert.equal((await d.getProject(p.id)).name, "busy-team", "nothing changed");
  await fx.store.instances.markDeleted("busy-1", new Date());
  await d.deleteProject(p.id);
  await assert.rejects(d.getProject(p.id), is(NotFoundError));
});
