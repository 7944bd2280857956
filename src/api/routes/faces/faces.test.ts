import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { registerCatalog } from "../../../catalog/index.js";
import type { TestUser } from "../../../identity/testing.js";
import { silentLogger } from "../../../lib/index.js";
import { openTestApp, type TestApp } from "../../testing.js";

// The compute, image and volume faces over a real store, without a task manager: instances stay
// in BUILD, which is all a server needs to exist. (Through the real openstack client and tempest's
// own clients: test/openstack-faces.test.ts.)
let t: TestApp;
let alice: TestUser;
let reader: TestUser;
let bob: TestUser;
let aliceServer: string;
let bobServer: string;
before(async () => {
  t = await openTestApp();
  await registerCatalog(t.fx.store, silentLogger());
  alice = await t.fx.addUser("alpha", "alice", ["member"]);
  reader = await t.fx.addUser("alpha", "rita", ["reader"]);
  bob = await t.fx.addUser("beta", "bob", ["member"]);
  const create = async (user: TestUser, name: string, flavorRef: string) => {
    const res = await t.app.inject({
      method: "POST",
      url: `/v1.0/${user.project.id}/instances`,
      headers: { "x-auth-token": user.token },
      payload: { instance: { name, flavorRef, volume: { size: 2 }, datastore: { type: "postgresql" } } },
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().instance.id as string;
  };
  aliceServer = await create(alice, "alpha-db", "2");
  bobServer = await create(bob, "beta-db", "6");
});
after(() => t.close());

const get = (url: string, user?: TestUser, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: "GET",
    url,
    headers: { ...(user ? { "x-auth-token": user.token } : {}), ...headers },
  });
const admin = () => t.fx.admin;

test("version documents need no token and name v2.1 as both ends of the microversion range", async () => {
  for (const url of ["/compute", "/compute/"]) {
    const res = await get(url);
    assert.equal(res.statusCode, 200, url);
    const [v] = res.json().versions;
    assert.equal(v.id, "v2.1");
    assert.equal(v.version, "2.1");
    assert.equal(v.min_version, "2.1");
    assert.match(v.links[0].href, /\/compute\/v2\.1\/$/);
  }
  const one = await get("/compute/v2.1");
  assert.equal(one.statusCode, 200);
  assert.equal(one.json().version.id, "v2.1");
  assert.equal((await get("/image")).json().versions[0].id, "v2.0");
  assert.equal((await get("/volume/")).json().versions[0].version, "3.0");
});

test("microversion headers: 2.1 by default and for latest; outside the range 406, garbage 400", async () => {
  const plain = await get("/compute/v2.1/flavors", alice);
  assert.equal(plain.statusCode, 200);
  assert.equal(plain.headers["openstack-api-version"], "compute 2.1");
  assert.equal(plain.headers["x-openstack-nova-api-version"], "2.1");
  assert.match(String(plain.headers.vary), /OpenStack-API-Version/);
  assert.ok(plain.headers["x-compute-request-id"]);
  const latest = await get("/compute/v2.1/flavors", alice, { "openstack-api-version": "compute latest" });
  assert.equal(latest.headers["openstack-api-version"], "compute 2.1");
  const legacy = await get("/compute/v2.1/flavors", alice, { "x-openstack-nova-api-version": "2.1" });
  assert.equal(legacy.statusCode, 200);
  const tooNew = await get("/compute/v2.1/flavors", alice, { "openstack-api-version": "compute 2.60" });
  assert.equal(tooNew.statusCode, 406);
  assert.match(
    tooNew.json().computeFault.message,
    /Version 2\.60 is not supported by the API\. Minimum is 2\.1 and maximum is 2\.1\./,
  );
  // Another service's version in the header is none of compute's business.
  const other = await get("/compute/v2.1/flavors", alice, { "openstack-api-version": "volume 3.60" });
  assert.equal(other.statusCode, 200);
  const bad = await get("/compute/v2.1/flavors", alice, { "x-openstack-nova-api-version": "two" });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().badRequest.message, /invalid format/);
});

test("no token: keystonemiddleware's 401; an unscoped token: 403", async () => {
  const res = await get("/compute/v2.1/servers");
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().error.code, 401);
  assert.match(String(res.headers["www-authenticate"]), /^Keystone uri=".*\/v3"$/);
  const login = await t.app.inject({
    method: "POST",
    url: "/v3/auth/tokens",
    payload: {
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { id: alice.user.id, password: alice.password } },
        },
        scope: "unscoped",
      },
    },
  });
  assert.equal(login.statusCode, 201, login.body);
  const scoped = await t.app.inject({
    method: "GET",
    url: "/compute/v2.1/flavors",
    headers: { "x-auth-token": String(login.headers["x-subject-token"]) },
  });
  assert.equal(scoped.statusCode, 403);
  assert.ok(scoped.json().forbidden);
});

test("flavors: list, detail, show, extra specs, filters, paging, and Nova's 404", async () => {
  const list = (await get("/compute/v2.1/flavors", alice)).json().flavors;
  const coffer = (await get(`/v1.0/${alice.project.id}/flavors`, alice)).json().flavors;
  assert.deepEqual(
    list.map((f: { id: string }) => f.id).sort(),
    coffer.map((f: { str_id: string }) => f.str_id).sort(),
  );
  assert.deepEqual(Object.keys(list[0]).sort(), ["id", "links", "name"]);
  const small = (await get("/compute/v2.1/flavors/2", alice)).json().flavor;
  assert.deepEqual(
    { ...small, links: undefined },
    {
      id: "2",
      name: "m1.small",
      ram: 2048,
      disk: 20,
      vcpus: 1,
      swap: "",
      rxtx_factor: 1,
      "OS-FLV-EXT-DATA:ephemeral": 0,
      "OS-FLV-DISABLED:disabled": false,
      "os-flavor-access:is_public": true,
      links: undefined,
    },
  );
  assert.deepEqual(
    small.links.map((l: { rel: string }) => l.rel),
    ["self", "bookmark"],
  );
  const detail = (await get("/compute/v2.1/flavors/detail?minRam=4096", alice)).json().flavors;
  assert.ok(detail.length > 0 && detail.every((f: { ram: number }) => f.ram >= 4096));
  assert.deepEqual((await get("/compute/v2.1/flavors/2/os-extra_specs", alice)).json(), { extra_specs: {} });
  assert.deepEqual((await get("/compute/v2.1/flavors?is_public=false", alice)).json(), { flavors: [] });

  const first = (await get("/compute/v2.1/flavors?limit=2", alice)).json();
  assert.equal(first.flavors.length, 2);
  const next = new URL(first.flavors_links[0].href);
  const second = (await get(`${next.pathname}${next.search}`, alice)).json();
  assert.equal(second.flavors[0].id, list[2].id);
  assert.equal((await get("/compute/v2.1/flavors?marker=nope", alice)).statusCode, 400);

  const missing = await get("/compute/v2.1/flavors/99", alice);
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { itemNotFound: { code: 404, message: "Flavor 99 could not be found." } });
  assert.equal((await get("/compute/v2.1/flavors/2/os-extra_specs/hw:cpu_policy", alice)).statusCode, 404);
});

test("availability zones: the one default zone; its hosts for admins only", async () => {
  const zones = (await get("/compute/v2.1/os-availability-zone", reader)).json();
  assert.deepEqual(zones, {
    availabilityZoneInfo: [{ zoneName: "nova", zoneState: { available: true }, hosts: null }],
  });
  assert.equal((await get("/compute/v2.1/os-availability-zone/detail", alice)).statusCode, 403);
  const detail = (await get("/compute/v2.1/os-availability-zone/detail", admin())).json();
  const [zone] = detail.availabilityZoneInfo;
  assert.equal(zone.zoneName, "nova");
  // The test app runs every role, so this process's host is a member (and up).
  const host = zone.hosts[t.fx.config.hostName]["coffer-compute"];
  assert.equal(host.available, true);
  assert.equal(host.active, true);
  assert.match(host.updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
});

test("servers: a project's own; every project's only for admins with all_tenants", async () => {
  const own = (await get("/compute/v2.1/servers", alice)).json().servers;
  assert.deepEqual(
    own.map((s: { id: string; name: string }) => [s.id, s.name]),
    [[aliceServer, "alpha-db"]],
  );
  assert.equal((await get("/compute/v2.1/servers?all_tenants=1", alice)).statusCode, 403);
  const all = (await get("/compute/v2.1/servers/detail?all_tenants=True", admin())).json().servers;
  assert.deepEqual(all.map((s: { id: string }) => s.id).sort(), [aliceServer, bobServer].sort());
  const ownAdmin = (await get("/compute/v2.1/servers", admin())).json().servers;
  assert.deepEqual(ownAdmin, [], "without all_tenants an admin sees its own project's");
  const byProject = (
    await get(`/compute/v2.1/servers/detail?all_tenants=1&project_id=${bob.project.id}`, admin())
  ).json().servers;
  assert.deepEqual(
    byProject.map((s: { id: string }) => s.id),
    [bobServer],
  );

  const [server] = (await get("/compute/v2.1/servers/detail", alice)).json().servers;
  assert.equal(server.status, "BUILD");
  assert.equal(server.tenant_id, alice.project.id);
  assert.deepEqual(server.flavor.id, "2");
  assert.equal(server.image, "");
  assert.equal(server["OS-EXT-AZ:availability_zone"], "nova");
  assert.equal(server["OS-EXT-SRV-ATTR:host"], undefined, "host is for admins");
  assert.match(server.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(server.metadata.trove_instance_id, aliceServer);
  const shown = (await get(`/compute/v2.1/servers/${aliceServer}`, alice)).json().server;
  assert.deepEqual(shown, server);
  const asAdmin = (await get(`/compute/v2.1/servers/${aliceServer}`, admin())).json().server;
  assert.ok("OS-EXT-SRV-ATTR:host" in asAdmin);

  const foreign = await get(`/compute/v2.1/servers/${bobServer}`, alice);
  assert.equal(foreign.statusCode, 404);
  assert.ok(foreign.json().itemNotFound);
});

test("server filters: name and ip as regular expressions, status, flavor; runaway patterns refused", async () => {
  const names = async (query: string) =>
    (await get(`/compute/v2.1/servers/detail?all_tenants=1&${query}`, admin()))
      .json<{ servers: { name: string }[] }>()
      .servers.map((s) => s.name)
      .sort();
  assert.deepEqual(await names("name=^beta"), ["beta-db"]);
  assert.deepEqual(await names("name=db"), ["alpha-db", "beta-db"]);
  assert.deepEqual(await names("status=build"), ["alpha-db", "beta-db"]);
  assert.deepEqual(await names("status=ACTIVE"), []);
  assert.deepEqual(await names("flavor=6"), ["beta-db"]);
  assert.deepEqual(await names("availability_zone=nova"), ["alpha-db", "beta-db"]);
  const nested = await get(`/compute/v2.1/servers?name=${encodeURIComponent("(a+)+$")}`, alice);
  assert.equal(nested.statusCode, 400);
  assert.equal((await get(`/compute/v2.1/servers?name=${encodeURIComponent("(")}`, alice)).statusCode, 400);
});

test("limits: the project's instance and RAM quotas, what its instances use", async () => {
  const { absolute, rate } = (await get("/compute/v2.1/limits", alice)).json().limits;
  assert.deepEqual(rate, []);
  assert.equal(absolute.maxTotalInstances, 10);
  assert.equal(absolute.totalInstancesUsed, 1);
  assert.equal(absolute.totalRAMUsed, 2048);
  assert.equal(absolute.totalCoresUsed, 1);
  assert.equal(absolute.maxTotalKeypairs, 0);
});

test("usage: each server's hours in the period; a project's for its members, all for admins", async () => {
  const now = t.fx.clock.now().getTime();
  const start = new Date(now - 3600_000).toISOString().slice(0, 19);
  const end = new Date(now + 3600_000).toISOString().slice(0, 19);
  const own = await get(
    `/compute/v2.1/os-simple-tenant-usage/${alice.project.id}?start=${start}&end=${end}`,
    alice,
  );
  assert.equal(own.statusCode, 200, own.body);
  const usage = own.json().tenant_usage;
  assert.equal(usage.tenant_id, alice.project.id);
  assert.deepEqual(
    usage.server_usages.map(
      (s: { instance_id: string; memory_mb: number; local_gb: number; flavor: string }) => [
        s.instance_id,
        s.memory_mb,
        s.local_gb,
        s.flavor,
      ],
    ),
    [[aliceServer, 2048, 2, "m1.small"]],
  );
  assert.ok(usage.total_hours >= 0 && usage.total_hours < 1);
  assert.equal((await get(`/compute/v2.1/os-simple-tenant-usage/${bob.project.id}`, alice)).statusCode, 403);
  assert.equal((await get("/compute/v2.1/os-simple-tenant-usage", alice)).statusCode, 403);
  const all = (await get(`/compute/v2.1/os-simple-tenant-usage?start=${start}&end=${end}`, admin())).json();
  assert.equal(all.tenant_usages.length, 2);
  const before = (
    await get(
      `/compute/v2.1/os-simple-tenant-usage/${alice.project.id}?start=2001-01-01T00:00:00&end=2001-01-02T00:00:00`,
      alice,
    )
  ).json();
  assert.deepEqual(before, { tenant_usage: {} });
});

test("everything else: reads are Nova's 404, writes 403 and change nothing; a token first", async () => {
  assert.equal((await get("/compute/v2.1/os-keypairs")).statusCode, 401);
  const unknown = await get("/compute/v2.1/os-keypairs", alice);
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(unknown.json(), {
    itemNotFound: { code: 404, message: "The resource could not be found." },
  });
  assert.equal((await get("/compute/v3", alice)).statusCode, 404);
  for (const [method, url] of [
    ["POST", "/compute/v2.1/servers"],
    ["DELETE", `/compute/v2.1/servers/${aliceServer}`],
    ["POST", `/compute/v2.1/servers/${aliceServer}/action`],
    ["POST", "/image/v2/images"],
    ["POST", `/volume/v3/${alice.project.id}/volumes`],
  ] as const) {
    const res = await t.app.inject({
      method,
      url,
      headers: { "x-auth-token": alice.token, "content-type": "application/json" },
      payload: "{}",
    });
    assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
    assert.match(res.json().forbidden.message, /read-only|no image service/);
  }
  assert.equal((await get(`/v1.0/${alice.project.id}/instances/${aliceServer}`, alice)).statusCode, 200);
});

test("image: no images; volume: no types, and limits from the project's quotas", async () => {
  assert.deepEqual((await get("/image/v2/images", alice)).json().images, []);
  assert.equal((await get("/image/v2/images/abc", alice)).statusCode, 404);
  const types = await get(`/volume/v3/${alice.project.id}/types`, alice);
  assert.deepEqual(types.json(), { volume_types: [] });
  const limits = (await get(`/volume/v3/${alice.project.id}/limits`, alice)).json().limits.absolute;
  assert.equal(limits.maxTotalVolumeGigabytes, 40);
  assert.equal(limits.totalGigabytesUsed, 2);
  assert.equal(limits.totalVolumesUsed, 1);
  // Another project's URL is refused as the database API refuses it.
  assert.equal((await get(`/volume/v3/${bob.project.id}/limits`, alice)).statusCode, 403);
});
