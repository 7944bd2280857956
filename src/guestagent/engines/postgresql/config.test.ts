import { test } from "node:test";
import assert from "node:assert/strict";
import { CofferError } from "../../../domain/index.js";
import type { ConfigOverrides, EngineLayout } from "../engine.js";
import {
  maxWalMb,
  postgresqlDefaults,
  postgresqlParams,
  renderPgHba,
  renderPostgresqlConf,
} from "./config.js";

const layout: EngineLayout = {
  binDir: "/usr/lib/postgresql/15/bin",
  dataDir: "/vol/i1/data",
  runDir: "/run/coffer/i1",
  logFile: "/vol/i1/log/postgresql.log",
  address: "127.100.0.7",
  port: 5432,
  runAs: { uid: 1001, gid: 1001 },
};

test("memory settings follow the flavor, with floors for tiny ones", () => {
  const big = postgresqlParams(layout, { ramMb: 4096, vcpus: 4 });
  assert.equal(big.get("shared_buffers"), "1024MB");
  assert.equal(big.get("effective_cache_size"), "3072MB");
  assert.equal(big.get("max_connections"), 500);
  assert.equal(big.get("max_parallel_workers"), 4);
  const tiny = postgresqlParams(layout, { ramMb: 64, vcpus: 1 });
  assert.equal(tiny.get("shared_buffers"), "16MB");
  assert.equal(tiny.get("max_connections"), 20);
  assert.equal(tiny.get("work_mem"), "1024kB");
  assert.equal(
    postgresqlParams(layout, { ramMb: 512, vcpus: 1, maxConnections: 42 }).get("max_connections"),
    42,
  );
});

test("listens only on the instance address; socket and log where the layout says", () => {
  const conf = renderPostgresqlConf(layout, { ramMb: 512, vcpus: 1 });
  assert.match(conf, /^listen_addresses = '127\.100\.0\.7'$/m);
  assert.match(conf, /^port = 5432$/m);
  assert.match(conf, /^unix_socket_directories = '\/run\/coffer\/i1'$/m);
  assert.match(conf, /^log_directory = '\/vol\/i1\/log'$/m);
  assert.match(conf, /^log_filename = 'postgresql\.log'$/m);
  const pub = renderPostgresqlConf({ ...layout, publicAddress: "203.0.113.17" }, { ramMb: 512, vcpus: 1 });
  assert.match(pub, /^listen_addresses = '127\.100\.0\.7,203\.0\.113\.17'$/m, "a public instance: there too");
  assert.doesNotMatch(conf, /0\.0\.0\.0|\*/);
  assert.match(renderPgHba(), /^host\s+all\s+all\s+all\s+scram-sha-256$/m);
  assert.doesNotMatch(renderPgHba(), /^host.*trust/m);
});

test("overrides replace base values and are quoted safely", () => {
  const conf = renderPostgresqlConf(
    layout,
    { ramMb: 512, vcpus: 1 },
    {
      WORK_MEM: "8MB",
      autovacuum: false,
      application_name: "it's a \\ test",
    },
  );
  assert.doesNotMatch(conf, /^work_mem/m);
  assert.match(conf, /^WORK_MEM = '8MB'$/m);
  assert.match(conf, /^autovacuum = off$/m);
  assert.match(conf, /^application_name = 'it''s a \\\\ test'$/m);
});

test("overrides cannot move the layout or smuggle in lines", () => {
  const bad: ConfigOverrides[] = [
    { listen_addresses: "*" },
    { Port: 1 },
    { "a\nb": 1 },
    { search_path: "x\nlisten_addresses='*'" },
  ];
  for (const overrides of bad) {
    assert.throws(
      () => renderPostgresqlConf(layout, { ramMb: 512, vcpus: 1 }, overrides),
      (err: unknown) => err instanceof CofferError && err.code === "ENGINE_CONFIG_INVALID",
    );
  }
  assert.throws(() => renderPostgresqlConf(layout, { ramMb: 8, vcpus: 1 }), CofferError);
});

test("a group's values stay over a new flavor; what they do not name follows the flavor", () => {
  const overrides = { max_connections: 42, work_mem: "8MB" };
  const small = renderPostgresqlConf(layout, { ramMb: 512, vcpus: 1 }, overrides);
  const big = renderPostgresqlConf(layout, { ramMb: 4096, vcpus: 4 }, overrides);
  for (const conf of [small, big]) {
    assert.match(conf, /^max_connections = 42$/m);
    assert.match(conf, /^work_mem = '8MB'$/m);
  }
  assert.match(small, /^shared_buffers = '128MB'$/m);
  assert.match(big, /^shared_buffers = '1024MB'$/m);
  assert.deepEqual(
    Object.keys(postgresqlDefaults({ ramMb: 512, vcpus: 1 })).filter((k) =>
      /listen|port|socket|log_directory/.test(k),
    ),
    [],
    "the defaults leave the layout out",
  );
});

test("the WAL is bounded by the volume so that a full volume cannot stop the engine", () => {
  assert.equal(maxWalMb({ ramMb: 512, vcpus: 1, volumeGb: 1 }), 102);
  assert.equal(maxWalMb({ ramMb: 512, vcpus: 1, volumeGb: 100 }), 1024);
  assert.equal(maxWalMb({ ramMb: 512, vcpus: 1 }), 1024);
});
