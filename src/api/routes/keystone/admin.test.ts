import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openTestApp, type TestApp } from "../../testing.js";

let t: TestApp;
let admin: Record<string, string>;
before(async () => {
  t = await openTestApp();
  admin = { "x-auth-token": t.fx.admin.token };
});
after(() => t.close());

const call = (
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
  url: string,
  payload?: object,
  headers = admin,
) => t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

test("the openstack client's identity flow: project, user, role, assignment, cleanup", async () => {
  const domains = await call("GET", "/v3/domains?name=Default");
  assert.deepEqual(
    domains.json().domains.map((d: { id: string }) => d.id),
    ["default"],
  );
  assert.equal((await call("GET", "/v3/domains/default")).json().domain.name, "Default");

  const created = await call("POST", "/v3/projects", {
    project: { name: "web", description: "d", enabled: true },
  });
  assert.equal(created.statusCode, 201);
  const project = created.json().project;
  assert.equal(project.domain_id, "default");
  assert.equal((await call("POST", "/v3/projects", { project: { name: "web" } })).statusCode, 409);
  assert.equal((await call("GET", "/v3/projects/web")).statusCode, 404);
  assert.deepEqual(
    (await call("GET", "/v3/projects?name=web")).json().projects.map((p: { id: string }) => p.id),
    [project.id],
  );
  const listed = await call("GET", "/v3/projects");
  assert.deepEqual(
    listed
      .json()
      .projects.map((p: { name: string }) => p.name)
      .sort(),
    ["admin", "web"],
  );
  assert.equal(listed.json().links.next, null);

  const user = await call("POST", "/v3/users", {
    user: { name: "wendy", password: "pw1", default_project_id: project.id, enabled: true },
  });
  assert.equal(user.statusCode, 201);
  const wendy = user.json().user;
  assert.equal(wendy.default_project_id, project.id);
  assert.equal(wendy.password, undefined);
  assert.deepEqual(
    (await call("GET", "/v3/users?name=wendy")).json().users.map((u: { id: string }) => u.id),
    [wendy.id],
  );

  const member = (await call("GET", "/v3/roles?name=member")).json().roles[0];
  assert.equal((await call("GET", "/v3/roles/member")).statusCode, 404);
  const grantUrl = `/v3/projects/${project.id}/users/${wendy.id}/roles/${member.id}`;
  // The client sends Content-Type: application/json with an empty body: no body, never a 400.
  const put = await t.app.inject({
    method: "PUT",
    url: grantUrl,
    headers: { ...admin, "content-type": "application/json" },
  });
  assert.equal(put.statusCode, 204);
  assert.equal((await call("GET", grantUrl)).statusCode, 204);
  assert.equal((await t.app.inject({ method: "HEAD", url: grantUrl, headers: admin })).statusCode, 204);
  const roles = await call("GET", `/v3/projects/${project.id}/users/${wendy.id}/roles`);
  assert.deepEqual(
    roles.json().roles.map((r: { name: string }) => r.name),
    ["member"],
  );

  const assignments = await call(
    "GET",
    `/v3/role_assignments?user.id=${wendy.id}&scope.project.id=${project.id}`,
  );
  assert.deepEqual(assignments.json().role_assignments, [
    {
      role: { id: member.id },
      user: { id: wendy.id },
      scope: { project: { id: project.id } },
      links: { assignment: `http://localhost:80/v3${grantUrl.slice(3)}` },
    },
  ]);
  const named = await call("GET", `/v3/role_assignments?scope.project.id=${project.id}&include_names=True`);
  const entry = named.json().role_assignments[0];
  assert.equal(entry.role.name, "member");
  assert.deepEqual(entry.user, { id: wendy.id, name: "wendy", domain: { id: "default", name: "Default" } });
  assert.equal(entry.scope.project.name, "web");
  assert.deepEqual((await call("GET", "/v3/role_assignments?group.id=x")).json().role_assignments, []);

  // The new user logs in to its project (no scope: its default project).
  const login = await t.app.inject({
    method: "POST",
    url: "/v3/auth/tokens",
    payload: {
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: "wendy", domain: { id: "default" }, password: "pw1" } },
        },
      },
    },
  });
  assert.equal(login.statusCode, 201);
  assert.equal(login.json().token.project.id, project.id);
  const wendyToken = { "x-auth-token": login.headers["x-subject-token"] as string };
  assert.equal((await call("GET", `/v3/projects/${project.id}`, undefined, wendyToken)).statusCode, 200);
  assert.equal((await call("GET", `/v3/users/${wendy.id}`, undefined, wendyToken)).statusCode, 200);

  // The admin sets a new password: the old one and the user's tokens stop working.
  const set = await call("PATCH", `/v3/users/${wendy.id}`, { user: { password: "pw2" } });
  assert.equal(set.statusCode, 200);
  assert.equal((await call("GET", `/v3/users/${wendy.id}`, undefined, wendyToken)).statusCode, 401);
  const wendy2 = { "x-auth-token": await t.fx.login("wendy", "pw2", "web") };
  // And the user changes its own password, proving the old one.
  const own = await call(
    "POST",
    `/v3/users/${wendy.id}/password`,
    { user: { password: "pw3", original_password: "pw2" } },
    wendy2,
  );
  assert.equal(own.statusCode, 204);
  await t.fx.login("wendy", "pw3", "web");

  assert.equal((await call("DELETE", grantUrl)).statusCode, 204);
  assert.equal((await call("DELETE", grantUrl)).statusCode, 404);
  assert.equal((await call("GET", grantUrl)).statusCode, 404);
  assert.equal((await call("DELETE", `/v3/users/${wendy.id}`)).statusCode, 204);
  assert.equal((await call("DELETE", `/v3/projects/${project.id}`)).statusCode, 204);
  assert.equal((await call("GET", `/v3/projects/${project.id}`)).statusCode, 404);
  assert.deepEqual((await call("GET", `/v3/projects/${project.id}`)).json().error.title, "Not Found");
});

test("project updates, flat projects only, roles and the fixed catalog", async () => {
  const p = (await call("POST", "/v3/projects", { project: { name: "tmp", domain_id: "default" } })).json()
    .project;
  const patched = await call("PATCH", `/v3/projects/${p.id}`, {
    project: { description: "new", enabled: false },
  });
  assert.deepEqual([patched.json().project.description, patched.json().project.enabled], ["new", false]);
  assert.equal(
    (await call("POST", "/v3/projects", { project: { name: "kid", parent_id: p.id } })).statusCode,
    400,
  );
  assert.equal(
    (await call("POST", "/v3/projects", { project: { name: "d", is_domain: true } })).statusCode,
    400,
  );
  assert.equal((await call("POST", "/v3/projects", { project: {} })).statusCode, 400);

  const role = await call("POST", "/v3/roles", { role: { name: "auditor" } });
  assert.equal(role.statusCode, 201);
  assert.equal((await call("DELETE", `/v3/roles/${role.json().role.id}`)).statusCode, 204);
  const adminRole = (await call("GET", "/v3/roles?name=admin")).json().roles[0];
  assert.equal((await call("DELETE", `/v3/roles/${adminRole.id}`)).statusCode, 403);
  assert.deepEqual(
    (await call("GET", "/v3/roles")).json().roles.map((r: { name: string }) => r.name),
    ["admin", "member", "reader"],
  );

  const services = (await call("GET", "/v3/services")).json().services;
  assert.deepEqual(
    services.map((s: { type: string; name: string }) => [s.type, s.name]),
    [
      ["database", "trove"],
      ["identity", "keystone"],
      ["compute", "nova"],
      ["image", "glance"],
      ["volumev3", "cinderv3"],
    ],
  );
  const db = (await call("GET", "/v3/services?type=database")).json().services[0];
  assert.equal((await call("GET", `/v3/services/${db.id}`)).json().service.name, "trove");
  const endpoints = (await call("GET", `/v3/endpoints?service_id=${db.id}&interface=public`)).json()
    .endpoints;
  assert.equal(endpoints.length, 1);
  assert.equal(endpoints[0].url, `${t.fx.config.publicUrl}/v1.0/$(project_id)s`);
  assert.equal(
    (await call("GET", `/v3/endpoints/${endpoints[0].id}`)).json().endpoint.region_id,
    "RegionOne",
  );
  assert.equal((await call("GET", "/v3/endpoints/nope")).statusCode, 404);
});

test("without a token the admin API is 401; a member gets 403 on admin-only routes", async () => {
  assert.equal((await call("GET", "/v3/projects", undefined, {})).statusCode, 401);
  const bob = await t.fx.addUser("beta", "bob", ["member"]);
  const asBob = { "x-auth-token": bob.token };
  for (const [method, url, body] of [
    ["GET", "/v3/projects"],
    ["GET", "/v3/users"],
    ["GET", "/v3/roles"],
    ["GET", "/v3/domains"],
    ["GET", "/v3/role_assignments"],
    ["GET", "/v3/services"],
    ["GET", "/v3/endpoints"],
    ["POST", "/v3/projects", { project: { name: "mine" } }],
    ["POST", "/v3/users", { user: { name: "sneaky", password: "x" } }],
    ["PATCH", `/v3/users/${bob.user.id}`, { user: { enabled: true } }],
    ["GET", `/v3/projects/${t.fx.admin.project.id}`],
    ["GET", `/v3/users/${t.fx.admin.user.id}`],
  ] as const) {
    const res = await call(method, url, body, asBob);
    assert.equal(res.statusCode, 403, `${method} ${url}`);
    assert.equal(res.json().error.code, 403);
  }
  assert.equal((await call("GET", `/v3/projects/${bob.project.id}`, undefined, asBob)).statusCode, 200);
  assert.equal((await call("GET", "/v3/domains/default", undefined, asBob)).statusCode, 200);
});
