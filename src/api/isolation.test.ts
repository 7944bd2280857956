import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { TestUser } from "../identity/testing.js";
import { openTestApp, routeTable, type Route, type TestApp } from "./testing.js";

/*
 * Cross-project isolation and read-only roles, for EVERY route the app has (read from Fastify's
 * route table, so routes added later are covered without touching this file):
 *  - a member of project B gets 403/404 on project A's things, and changes nothing of A;
 *  - a reader gets 403 on every write;
 *  - only an admin reaches /mgmt/*.
 */

let t: TestApp;
let memberA: TestUser;
let readerA: TestUser;
let memberB: TestUser;
let memberRoleId: string;
before(async () => {
  t = await openTestApp();
  memberA = await t.fx.addUser("project-a", "member-a", ["member"]);
  readerA = await t.fx.addUser("project-a", "reader-a", ["reader"]);
  memberB = await t.fx.addUser("project-b", "member-b", ["member"]);
  memberRoleId = (await t.fx.identity.directory.listRoles({ name: "member" }))[0]!.id;
});
after(() => t.close());

/** Every (method, path) the app serves (read from Fastify's route table). */
const routes = routeTable;

/** A's thing for each path parameter, chosen by the collection the parameter follows. */
function fill(path: string, urlProject: string): string {
  const segments = path.split("/");
  return segments
    .map((segment, i) => {
      if (!segment.startsWith(":")) return segment;
      if (segment === ":projectId") return urlProject;
      const collection = segments[i - 1];
      if (collection === "users") return memberA.user.id;
      if (collection === "roles") return memberRoleId;
      return memberA.project.id;
    })
    .join("/");
}

const inject = (route: Route, url: string, token: string) =>
  t.app.inject({
    method: route.method as "GET",
    url,
    headers: { "x-auth-token": token, "x-subject-token": memberA.token, "content-type": "application/json" },
    ...(route.method === "GET" || route.method === "DELETE" ? {} : { payload: "{}" }),
  });

const isWrite = (r: Route) => r.method !== "GET";
/** Routes that answer only about the caller itself, or serve nobody's data. */
const SELF_OR_PUBLIC = new Set([
  "GET /",
  "GET /healthcheck",
  "GET /openapi.json",
  "GET /v3",
  "GET /v3/",
  "GET /v3/auth/catalog",
  "GET /v3/auth/projects",
  "GET /v3/domains/:id",
  // The OpenStack faces' version documents, and what they show every token of its own project
  // (flavors, zones, its own servers and limits); other projects' are checked below.
  ...["", "/", "/v2.1", "/v2.1/"].map((p) => `GET /compute${p}`),
  ...["/flavors", "/flavors/detail", "/os-availability-zone", "/limits", "/servers", "/servers/detail"].map(
    (p) => `GET /compute/v2.1${p}`,
  ),
  "GET /image",
  "GET /image/",
  "GET /image/v2/images",
  "GET /volume",
  "GET /volume/",
]);

/** Routes whose `:projectId` is the project acted on: filled with A's project for B too. */
const PROJECT_IN_PATH = ["/v1.0/", "/volume/v3/", "/compute/v2.1/os-simple-tenant-usage/"];

test("the route table is read (sanity)", async () => {
  await t.app.ready();
  const all = routes(t.app).map((r) => `${r.method} ${r.path}`);
  for (const expected of [
    "GET /v1.0/:projectId/limits",
    "PUT /v1.0/:projectId/mgmt/quotas/:target",
    "PUT /v3/projects/:id/users/:user/roles/:role",
    "POST /v3/auth/tokens",
  ]) {
    assert.ok(all.includes(expected), `${expected} in ${all.join(", ")}`);
  }
});

test("a member of project B gets 403/404 on every route touching project A's things", async () => {
  await t.app.ready();
  const before = JSON.stringify(await snapshotA());
  let checked = 0;
  for (const route of routes(t.app)) {
    const key = `${route.method} ${route.path}`;
    if (SELF_OR_PUBLIC.has(key)) continue;
    if (key === "POST /v3/auth/tokens") {
      // B's own credentials cannot get a token for A.
      const res = await t.app.inject({
        method: "POST",
        url: route.path,
        payload: {
          auth: {
            identity: {
              methods: ["password"],
              password: { user: { id: memberB.user.id, password: memberB.password } },
            },
            scope: { project: { id: memberA.project.id } },
          },
        },
      });
      assert.equal(res.statusCode, 401, key);
      checked++;
      continue;
    }
    const urls = PROJECT_IN_PATH.some((prefix) => route.path.startsWith(prefix))
      ? [
          fill(route.path, memberA.project.id),
          ...(route.path.split(":").length > 2 ? [fill(route.path, memberB.project.id)] : []),
        ]
      : [fill(route.path, memberB.project.id)];
    for (const url of urls) {
      const res = await inject(route, url, memberB.token);
      assert.ok(
        [403, 404].includes(res.statusCode),
        `${route.method} ${url} as B: ${res.statusCode} ${res.body}`,
      );
      checked++;
    }
  }
  assert.ok(checked >= 25, `checked ${checked} requests`);
  assert.equal(JSON.stringify(await snapshotA()), before, "nothing of project A changed");
});

test("a reader gets 403 on every write", async () => {
  await t.app.ready();
  let checked = 0;
  for (const route of routes(t.app).filter(isWrite)) {
    const key = `${route.method} ${route.path}`;
    if (key === "POST /v3/auth/tokens") continue; // logging in changes nothing
    const url = fill(route.path, readerA.project.id);
    const res = await inject(route, url, readerA.token);
    assert.equal(res.statusCode, 403, `${route.method} ${url} as reader: ${res.body}`);
    checked++;
  }
  assert.ok(checked >= 12, `checked ${checked} writes`);
});

test("only an admin reaches /mgmt/*", async () => {
  await t.app.ready();
  const mgmt = routes(t.app).filter((r) => r.path.startsWith("/v1.0/:projectId/mgmt/"));
  assert.ok(mgmt.length >= 2);
  for (const route of mgmt) {
    for (const user of [memberA, readerA]) {
      const res = await inject(route, fill(route.path, user.project.id), user.token);
      assert.equal(res.statusCode, 403, `${route.method} ${route.path} as ${user.user.name}`);
    }
    const res = await inject(route, fill(route.path, t.fx.admin.project.id), t.fx.admin.token);
    assert.ok(
      res.statusCode !== 401 && res.statusCode !== 403,
      `${route.method} ${route.path} as admin: ${res.body}`,
    );
  }
});

/** What B must not be able to change: A's project, its users and their roles, its quotas. */
async function snapshotA() {
  const d = t.fx.identity.directory;
  return {
    project: await d.getProject(memberA.project.id),
    users: await Promise.all([memberA, readerA].map((u) => d.getUser(u.user.id))),
    assignments: await d.listAssignments({ projectId: memberA.project.id }),
    quotas: await t.fx.identity.quotas.usage(memberA.project.id),
    token: (await t.fx.identity.tokens.validate(memberA.token)).user.id,
  };
}
