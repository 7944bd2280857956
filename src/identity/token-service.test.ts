import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CofferError } from "../domain/index.js";
import { FakeClock, UnauthorizedError, ValidationError, uuidGenerator } from "../domain/index.js";
import type { AuthRequest } from "./auth-request.js";
import { createPasswordHasher, TEST_SCRYPT_COST } from "./passwords.js";
import { createIdentity } from "./service.js";
import { openIdentityFixture, FIXTURE_ADMIN_PASSWORD, type IdentityFixture } from "./testing.js";
import { hashToken } from "./tokens.js";

let fx: IdentityFixture;
before(async () => {
  fx = await openIdentityFixture({
    env: { COFFER_LOCKOUT_THRESHOLD: "3", COFFER_LOCKOUT_DURATION: "60" },
    clock: new FakeClock("2026-05-01T12:00:00Z"),
  });
});
after(() => fx.close());

const password = (user: AuthRequest["identity"]["password"], scope?: AuthRequest["scope"]): AuthRequest => {
  const request: AuthRequest = { identity: { methods: ["password"], password: user! } };
  if (scope !== undefined) request.scope = scope;
  return request;
};
const adminByName = (
  pw = FIXTURE_ADMIN_PASSWORD,
  domain: { id?: string; name?: string } = { name: "Default" },
) => ({ user: { name: "admin", domain, password: pw } }) as const;

async function rejects401(promise: Promise<unknown>): Promise<CofferError> {
  const err = await promise.then(
    () => assert.fail("expected a 401"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof UnauthorizedError, String(err));
  return err;
}

test("password login by name with domain name or id, by user id; project by name or id", async () => {
  const scopes: AuthRequest["scope"][] = [
    { project: { name: "admin", domain: { name: "Default" } } },
    { project: { name: "admin", domain: { id: "default" } } },
    { project: { id: fx.admin.project.id } },
  ];
  for (const scope of scopes) {
    const { secret, info } = await fx.identity.tokens.authenticate(password(adminByName(), scope));
    assert.equal(info.project?.id, fx.admin.project.id);
    assert.deepEqual(
      info.roles.map((r) => r.name),
      ["admin"],
    );
    assert.deepEqual(info.methods, ["password"]);
    assert.equal(Buffer.from(secret, "base64url").length, 32, "256 random bits");
  }
  const byId = await fx.identity.tokens.authenticate(
    password({ user: { id: fx.admin.user.id, password: FIXTURE_ADMIN_PASSWORD } }, "unscoped"),
  );
  assert.equal(byId.info.project, null);
  assert.deepEqual(byId.info.roles, []);
  assert.equal(byId.info.user.name, "admin");
  assert.deepEqual(byId.info.user.domain, { id: "default", name: "Default" });
});

test("without a scope the token is scoped to the user's default project", async () => {
  const { info } = await fx.identity.tokens.authenticate(password(adminByName()));
  assert.equal(info.project?.name, "admin");
});

test("tokens expire after the TTL and are stored only as hashes", async () => {
  const { secret, info } = await fx.identity.tokens.authenticate(password(adminByName()));
  assert.equal(info.expiresAt.getTime() - info.issuedAt.getTime(), 3600 * 1000);
  assert.ok(await fx.store.tokens.get(hashToken(secret)));
  assert.equal(await fx.store.tokens.get(secret), undefined);
  for (const file of await readdir(fx.dir)) {
    if (!file.startsWith("coffer.sqlite")) continue;
    const bytes = await readFile(join(fx.dir, file));
    assert.equal(bytes.includes(Buffer.from(secret)), false, `${file} holds the token itself`);
  }
  await fx.identity.tokens.validate(secret);
  fx.clock.advance(3600 * 1000 - 1);
  await fx.identity.tokens.validate(secret);
  fx.clock.advance(1);
  await rejects401(fx.identity.tokens.validate(secret));
});

test("revocation: at once in this process, within the cache TTL in another", async () => {
  const other = createIdentity({
    store: fx.store,
    clock: fx.clock,
    ids: uuidGenerator,
    config: fx.config,
    hasher: createPasswordHasher(TEST_SCRYPT_COST),
  });
  const { secret } = await fx.identity.tokens.authenticate(password(adminByName()));
  await other.tokens.validate(secret);
  assert.equal(await fx.identity.tokens.revoke(secret), true);
  await rejects401(fx.identity.tokens.validate(secret));
  await other.tokens.validate(secret); // still cached over there
  fx.clock.advance(fx.config.tokenCacheTtlSeconds * 1000);
  await rejects401(other.tokens.validate(secret));
  assert.equal(await fx.identity.tokens.revoke(secret), false);
});

test("wrong password, unknown user, unknown domain: the same 401", async () => {
  const failures = await Promise.all([
    rejects401(fx.identity.tokens.authenticate(password(adminByName("wrong")))),
    rejects401(
      fx.identity.tokens.authenticate(
        password({ user: { name: "nobody", domain: { name: "Default" }, password: "x" } }),
      ),
    ),
    rejects401(
      fx.identity.tokens.authenticate(password(adminByName(FIXTURE_ADMIN_PASSWORD, { name: "Nope" }))),
    ),
    rejects401(fx.identity.tokens.authenticate(password({ user: { id: "no-such-id", password: "x" } }))),
  ]);
  for (const err of failures) {
    assert.equal(err.code, "AUTHENTICATION_FAILED");
    assert.equal(err.message, "The request you have made requires authentication.");
  }
});

test("a project where the user has no role, or a missing project, is a 401", async () => {
  const alice = await fx.addUser("alpha", "alice", ["member"]);
  await fx.addUser("beta", "bob", ["member"]);
  const scope = (name: string) => ({ project: { name, domain: { id: "default" } } });
  const alicePw = (s: AuthRequest["scope"]) =>
    password({ user: { name: "alice", domain: { id: "default" }, password: alice.password } }, s);
  await fx.identity.tokens.authenticate(alicePw(scope("alpha")));
  await rejects401(fx.identity.tokens.authenticate(alicePw(scope("beta"))));
  await rejects401(fx.identity.tokens.authenticate(alicePw(scope("gamma"))));
  await assert.rejects(
    fx.identity.tokens.authenticate(alicePw({ domain: { id: "default" } })),
    (e: unknown) => e instanceof ValidationError,
  );
});

test("re-scoping with the token method keeps the user and never extends the expiry", async () => {
  const carol = await fx.addUser("gamma", "carol", ["reader"]);
  const unscoped = await fx.identity.tokens.authenticate(
    password({ user: { name: "carol", domain: { id: "default" }, password: carol.password } }, "unscoped"),
  );
  fx.clock.advance(60_000);
  const scoped = await fx.identity.tokens.authenticate({
    identity: { methods: ["token"], token: { id: unscoped.secret } },
    scope: { project: { id: carol.project.id } },
  });
  assert.equal(scoped.info.user.id, carol.user.id);
  assert.equal(scoped.info.project?.id, carol.project.id);
  assert.deepEqual(
    scoped.info.roles.map((r) => r.name),
    ["reader"],
  );
  assert.deepEqual(scoped.info.methods, ["token", "password"]);
  assert.equal(scoped.info.expiresAt.getTime(), unscoped.info.expiresAt.getTime());
  await rejects401(
    fx.identity.tokens.authenticate({ identity: { methods: ["token"], token: { id: "not-a-token" } } }),
  );
});

test("losing the last role on the project invalidates its tokens at once", async () => {
  const dave = await fx.addUser("delta", "dave", ["member"]);
  await fx.identity.tokens.validate(dave.token);
  const member = (await fx.identity.directory.listRoles({ name: "member" }))[0]!;
  await fx.identity.directory.revoke(dave.project.id, dave.user.id, member.id);
  await rejects401(fx.identity.tokens.validate(dave.token));
});

test("a password change or disabling the user revokes its tokens", async () => {
  const erin = await fx.addUser("epsilon", "erin", ["member"]);
  await fx.identity.directory.updateUser(erin.user.id, { password: "new-password" });
  await rejects401(fx.identity.tokens.validate(erin.token));
  const token = await fx.login("erin", "new-password", "epsilon");
  await fx.identity.directory.updateUser(erin.user.id, { enabled: false });
  await rejects401(fx.identity.tokens.validate(token));
  await rejects401(fx.login("erin", "new-password", "epsilon"));
});

test("repeated failures lock the user out for a while, then it can log in again", async () => {
  const frank = await fx.addUser("zeta", "frank", ["member"]);
  for (let i = 0; i < 3; i++) await rejects401(fx.login("frank", "wrong", "zeta"));
  const locked = await fx.store.users.get(frank.user.id);
  assert.ok(locked?.lockedUntil && locked.lockedUntil > fx.clock.now());
  const err = await rejects401(fx.login("frank", frank.password, "zeta"));
  assert.equal(err.message, "The request you have made requires authentication.");
  fx.clock.advance(61_000);
  await fx.login("frank", frank.password, "zeta");
  const after = await fx.store.users.get(frank.user.id);
  assert.equal(after?.failedLogins, 0);
  assert.equal(after?.lockedUntil, null);
});

test("a success resets the failure count", async () => {
  const gina = await fx.addUser("eta", "gina", ["member"]);
  for (let i = 0; i < 2; i++) await rejects401(fx.login("gina", "wrong", "eta"));
  await fx.login("gina", gina.password, "eta");
  for (let i = 0; i < 2; i++) await rejects401(fx.login("gina", "wrong", "eta"));
  await fx.login("gina", gina.password, "eta");
});

test("unsupported methods are refused", async () => {
  const err = await rejects401(fx.identity.tokens.authenticate({ identity: { methods: ["totp"] } }));
  assert.equal(err.code, "AUTH_METHOD_UNSUPPORTED");
});
