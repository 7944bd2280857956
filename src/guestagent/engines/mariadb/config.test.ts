import { test } from "node:test";
import assert from "node:assert/strict";
import { CofferError } from "../../../domain/index.js";
import type { ConfigOverrides, EngineLayout } from "../engine.js";
import { mariadbParams, renderMyCnf } from "./config.js";

const layout: EngineLayout = {
  binDir: "/usr/sbin",
  dataDir: "/vol/i2/data",
  runDir: "/run/coffer/i2",
  logFile: "/vol/i2/log/mariadb.log",
  address: "127.100.0.8",
  port: 3306,
  runAs: { uid: 1001, gid: 1001 },
};

test("memory settings follow the flavor, with floors for tiny ones", () => {
  const big = mariadbParams(layout, { ramMb: 4096, vcpus: 2 });
  assert.equal(big.get("innodb_buffer_pool_size"), "1200M");
  assert.equal(big.get("innodb_log_file_size"), "300M");
  assert.equal(big.get("max_connections"), 800);
  const tiny = mariadbParams(layout, { ramMb: 64, vcpus: 1 });
  assert.equal(tiny.get("innodb_buffer_pool_size"), "18M");
  assert.equal(tiny.get("innodb_log_file_size"), "8M");
  assert.equal(tiny.get("innodb_log_buffer_size"), "2M");
  assert.equal(tiny.get("max_connections"), 20);
});

test("one [mysqld] group: the instance address, its socket, its log", () => {
  const cnf = renderMyCnf(layout, { ramMb: 512, vcpus: 1 });
  assert.match(cnf, /^\[mysqld\]$/m);
  assert.match(cnf, /^bind_address = 127\.100\.0\.8$/m);
  assert.match(cnf, /^socket = \/run\/coffer\/i2\/mysqld\.sock$/m);
  assert.match(cnf, /^log_error = \/vol\/i2\/log\/mariadb\.log$/m);
  assert.match(cnf, /^skip_name_resolve = ON$/m);
  const pub = renderMyCnf({ ...layout, publicAddress: "203.0.113.18" }, { ramMb: 512, vcpus: 1 });
  assert.match(pub, /^bind_address = 127\.100\.0\.8,203\.0\.113\.18$/m, "a public instance: there too");
});

test("overrides replace base values whichever of - or _ they use, and are quoted safely", () => {
  const cnf = renderMyCnf(
    layout,
    { ramMb: 512, vcpus: 1 },
    {
      "max-connections": 77,
      sql_mode: "STRICT_ALL_TABLES,NO_ZERO_DATE",
      init_connect: 'SET @a = "x" # not a comment',
    },
  );
  assert.doesNotMatch(cnf, /^max_connections/m);
  assert.match(cnf, /^max-connections = 77$/m);
  assert.match(cnf, /^sql_mode = STRICT_ALL_TABLES,NO_ZERO_DATE$/m);
  assert.match(cnf, /^init_connect = "SET @a = \\"x\\" # not a comment"$/m);
});

test("overrides cannot move the layout or smuggle in lines", () => {
  const bad: ConfigOverrides[] = [
    { "bind-address": "0.0.0.0" },
    { DATADIR: "/" },
    { skip_grant_tables: true },
    { x: "a\n[client]" },
  ];
  for (const overrides of bad) {
    assert.throws(
      () => renderMyCnf(layout, { ramMb: 512, vcpus: 1 }, overrides),
      (err: unknown) => err instanceof CofferError && err.code === "ENGINE_CONFIG_INVALID",
    );
  }
});
