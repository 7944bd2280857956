import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "./resolve.js";

test("defaults: embedded shape under the data dir", () => {
  const config = resolveConfig({ env: { HOME: "/home/x" }, flags: { dataDir: "/srv/coffer" } });
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 8779);
  assert.deepEqual(config.infraDb, { kind: "sqlite", path: "/srv/coffer/coffer.sqlite" });
  assert.deepEqual(config.bus, { kind: "inprocess" });
  assert.deepEqual(config.roles, ["api", "taskmanager", "conductor", "compute"]);
  assert.equal(config.publicUrl, "http://127.0.0.1:8779");
  assert.ok(Object.isFrozen(config));
});

test("flags beat environment beat config file", () => {
  const dir = mkdtempSync(join(tmpdir(), "coffer-config-"));
  const file = join(dir, "c.json");
  writeFileSync(file, JSON.stringify({ port: 1000, host: "127.0.0.2", region: "FileRegion" }));
  const config = resolveConfig({
    configFile: file,
    env: { COFFER_PORT: "2000", COFFER_HOST: "127.0.0.3" },
    flags: { port: "3000" },
  });
  assert.equal(config.port, 3000);
  assert.equal(config.host, "127.0.0.3");
  assert.equal(config.region, "FileRegion");
});

test("the data dir's coffer.json is read when no file is named", () => {
  const dir = mkdtempSync(join(tmpdir(), "coffer-config-"));
  writeFileSync(join(dir, "coffer.json"), JSON.stringify({ port: 9999 }));
  assert.equal(resolveConfig({ env: {}, flags: { dataDir: dir } }).port, 9999);
});

test("postgres and amqp URLs select the scaled-out adapters", () => {
  const config = resolveConfig({
    env: { COFFER_INFRA_DB: "postgresql://u@h/db", COFFER_BUS: "amqp://h", COFFER_ROLES: "api,conductor" },
    flags: { dataDir: "/tmp/x" },
  });
  assert.deepEqual(config.infraDb, { kind: "postgres", url: "postgresql://u@h/db" });
  assert.deepEqual(config.bus, { kind: "amqp", urls: ["amqp://h"] });
  assert.deepEqual(config.roles, ["api", "conductor"]);
  assert.equal(config.publicUrlDefaulted, true);
  assert.equal(config.startupWaitMs, 300_000);
});

test("--bus takes the nodes of a RabbitMQ cluster, comma-separated; --public-url given is not defaulted", () => {
  const config = resolveConfig({
    env: {
      COFFER_BUS: "amqp://u:p@rabbit-1:5672/coffer, amqps://u:p@rabbit-2/coffer",
      COFFER_PUBLIC_URL: "https://db.example.org/",
      COFFER_STARTUP_WAIT: "0",
    },
    flags: { dataDir: "/tmp/x" },
  });
  assert.deepEqual(config.bus, {
    kind: "amqp",
    urls: ["amqp://u:p@rabbit-1:5672/coffer", "amqps://u:p@rabbit-2/coffer"],
  });
  assert.equal(config.publicUrl, "https://db.example.org");
  assert.equal(config.publicUrlDefaulted, false);
  assert.equal(config.startupWaitMs, 0);
  const base = { flags: { dataDir: "/tmp/x" } };
  assert.throws(() => resolveConfig({ ...base, env: { COFFER_BUS: "amqp://a,redis://b" } }), /option bus/);
  assert.throws(() => resolveConfig({ ...base, env: { COFFER_BUS: "," } }), /option bus/);
});

test("bad values are refused with the option named", () => {
  const base = { flags: { dataDir: "/tmp/x" } };
  assert.throws(() => resolveConfig({ ...base, env: { COFFER_PORT: "http" } }), /option port/);
  assert.throws(() => resolveConfig({ ...base, env: { COFFER_ROLES: "api,web" } }), /unknown role "web"/);
  assert.throws(() => resolveConfig({ ...base, env: { COFFER_BUS: "redis://x" } }), /option bus/);
  const dir = mkdtempSync(join(tmpdir(), "coffer-config-"));
  writeFileSync(join(dir, "c.json"), JSON.stringify({ prot: 1 }));
  assert.throws(() => resolveConfig({ configFile: join(dir, "c.json"), env: {} }), /unknown key "prot"/);
});

test("identity options: token cache, lockout and quota defaults", () => {
  const config = resolveConfig({ env: {}, flags: { dataDir: "/tmp/x" } });
  assert.equal(config.tokenTtlSeconds, 3600);
  assert.equal(config.tokenCacheTtlSeconds, 30);
  assert.equal(config.lockoutThreshold, 5);
  assert.equal(config.lockoutDurationSeconds, 300);
  assert.deepEqual(config.quotaDefaults, { instances: 10, volumes: 40, backups: 50, ram: -1 });
  const custom = resolveConfig({
    env: { COFFER_QUOTA_INSTANCES: "-1", COFFER_LOCKOUT_THRESHOLD: "0" },
    flags: { dataDir: "/tmp/x" },
  });
  assert.equal(custom.quotaDefaults.instances, -1);
  assert.equal(custom.lockoutThreshold, 0);
  assert.throws(
    () => resolveConfig({ env: { COFFER_QUOTA_RAM: "-2" }, flags: { dataDir: "/tmp/x" } }),
    /quota-ram/,
  );
  assert.throws(
    () => resolveConfig({ env: { COFFER_LOCKOUT_THRESHOLD: "-1" }, flags: { dataDir: "/tmp/x" } }),
    /lockout-threshold/,
  );
});

test("volume filesystem: auto by default, xfs or ext4 by flag or environment, nothing else", () => {
  const base = { flags: { dataDir: "/tmp/x" } };
  assert.equal(resolveConfig({ ...base, env: {} }).volumeFilesystem, "auto");
  assert.equal(
    resolveConfig({ ...base, env: { COFFER_VOLUME_FILESYSTEM: "ext4" } }).volumeFilesystem,
    "ext4",
  );
  assert.equal(
    resolveConfig({ env: {}, flags: { dataDir: "/tmp/x", volumeFilesystem: "xfs" } }).volumeFilesystem,
    "xfs",
  );
  assert.throws(
    () => resolveConfig({ ...base, env: { COFFER_VOLUME_FILESYSTEM: "btrfs" } }),
    /option volume-filesystem: must be one of auto, xfs, ext4/,
  );
});
