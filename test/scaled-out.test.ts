import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTempPostgres, startTempRabbitMQ, type TempRabbitMQ } from "../src/lib/testing.js";
import { run, waitFor } from "../src/lib/index.js";
import { startCoffer, trove, type CofferServer } from "./support/coffer-server.js";

/*
 * The scaled-out shape: a PostgreSQL infrastructure database and RabbitMQ as the bus, with the
 * control plane (api, taskmanager, conductor) and a compute host in two separate processes that
 * share nothing but those two. A create through the real trove CLI must reach a real engine.
 */

type TempPostgres = Awaited<ReturnType<typeof startTempPostgres>>;
let pg: TempPostgres;
let rabbit: TempRabbitMQ;
let control: CofferServer;
let compute: CofferServer;

before(async () => {
  [pg, rabbit] = await Promise.all([startTempPostgres(), startTempRabbitMQ()]);
  const shared = ["--infra-db", pg.url, "--bus", rabbit.url, "--host-name", "host-a"];
  const env = { COFFER_ADMIN_PASSWORD: "scaled-out-admin-pw" };
  compute = await startCoffer({ roles: "compute", extraArgs: shared, env });
  control = await startCoffer({ roles: "api,taskmanager,conductor", extraArgs: shared, env });
});

after(async () => {
  await control?.close();
  await compute?.close();
  await Promise.allSettled([pg?.stop(), rabbit?.stop()]);
});

test("a create through the control plane is placed on the compute host over RabbitMQ and serves SQL", async () => {
  const created = await trove(control, [
    "--json",
    "create",
    "scaled",
    "6",
    "--size",
    "1",
    "--datastore",
    "mariadb",
    "--databases",
    "d",
    "--users",
    "dana:dana-pw",
  ]);
  assert.equal(created.code, 0, created.stderr);
  const view = await waitFor(
    async () => {
      const shown = await trove(control, ["--json", "show", "scaled"]);
      const v = JSON.parse(shown.stdout) as {
        status: string;
        operating_status: string;
        ip: string | string[];
      };
      if (v.status === "ERROR") throw new Error(`went to ERROR: ${shown.stdout}`);
      return v.status === "ACTIVE" && v.operating_status === "HEALTHY" ? v : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500, what: "the instance to be healthy" },
  );
  const ip = Array.isArray(view.ip) ? view.ip[0]! : view.ip;
  const q = await run("mysql", [
    "--protocol=TCP",
    "-h",
    ip,
    "-u",
    "dana",
    "-pdana-pw",
    "d",
    "-N",
    "-e",
    "select 6*7",
  ]);
  assert.equal(q.stdout.trim(), "42", q.stderr);
  // The engine belongs to the compute process's host, not the control plane's.
  const engines = await run("pgrep", ["-f", `${compute.dir}/compute/host/instances/`]);
  assert.equal(engines.stdout.trim().split("\n").filter(Boolean).length, 1);

  const deleted = await trove(control, ["delete", "scaled"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  await waitFor(async () => ((await trove(control, ["show", "scaled"])).code !== 0 ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 500,
    what: "the instance to be gone",
  });
  const left = await run("pgrep", ["-f", `${compute.dir}/compute/host/instances/`]);
  assert.equal(left.stdout.trim(), "");
});
