import { test } from "node:test";
import assert from "node:assert/strict";
import { InternalError, UnavailableError, UpstreamError } from "../../domain/index.js";
import { adminDetails, memberMessage, withoutHostPaths } from "./fault-text.js";

test("host paths become their last part; addresses, CIDRs, URLs and relative paths stay", () => {
  const cases: [string, string][] = [
    [
      'FATAL:  data directory "/var/lib/coffer/host/instances/9f2c/volume/data" has wrong ownership',
      'FATAL:  data directory "…/data" has wrong ownership',
    ],
    [
      "Can't create/write to file '/var/lib/coffer/agent/run/9f2c/mariadb.pid' (Errcode: 13)",
      "Can't create/write to file '…/mariadb.pid' (Errcode: 13)",
    ],
    [
      "still mounted: /tmp/x/instances/a/volume, /tmp/x/instances/a/volume/sub",
      "still mounted: …/volume, …/sub",
    ],
    [
      'could not bind IPv4 address "127.100.0.1": Address already in use',
      'could not bind IPv4 address "127.100.0.1": Address already in use',
    ],
    ["address pool 127.0.0.0/8 and 10.0.0.0/24", "address pool 127.0.0.0/8 and 10.0.0.0/24"],
    [
      "see http://example.org/a/b and ./rel/path and a/b/c",
      "see http://example.org/a/b and ./rel/path and a/b/c",
    ],
    [
      "Can't start server: Bind on TCP/IP port. Got error: 98",
      "Can't start server: Bind on TCP/IP port. Got error: 98",
    ],
    ["a lone /root stays", "a lone /root stays"],
  ];
  for (const [given, shown] of cases) assert.equal(withoutHostPaths(given), shown);
});

test("admin details: code, full message and facts; a wrapped bug keeps its stack", () => {
  const engine = new UpstreamError("GUEST_ENGINE_EXITED", "exited: /var/lib/x/y said no", {
    details: { logFiles: ["/var/lib/x/logs/engine.log"], engine: "mariadb" },
  });
  assert.equal(
    adminDetails(engine),
    'GUEST_ENGINE_EXITED: exited: /var/lib/x/y said no\nlogFiles: ["/var/lib/x/logs/engine.log"]\nengine: mariadb',
  );
  const bug = new TypeError("x is undefined");
  const details = adminDetails(new InternalError("INTERNAL", bug.message, { cause: bug }));
  assert.match(details, /^INTERNAL: x is undefined\nTypeError: x is undefined\n\s+at /);
});

test("the plumbing's errors read as what a member can do; the bus's words stay for admins", () => {
  const down = new UnavailableError("BUS_NO_SERVER", "no server is listening on bus topic compute.h1");
  assert.equal(
    memberMessage(down),
    "the compute host of this instance is not running (its operator can start it); try again later",
  );
  assert.match(adminDetails(down), /compute\.h1/);
  const engine = new UpstreamError("GUEST_ENGINE_EXITED", "exited: can't open /var/lib/coffer/x/y.cnf");
  assert.equal(memberMessage(engine), "exited: can't open …/y.cnf");
});
