import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WORKFLOWS } from "../src/taskmanager/index.js";
import { startCoffer, type CofferServer } from "./support/coffer-server.js";
import { runSweep, summaryLine, withoutDriver, type WorkflowResult } from "./support/sweep/sweep.js";

/*
 * The kill-point sweep (docs/reliability.md): every workflow of the registry, SIGKILLed at every
 * step boundary (all of a workflow's points in one batch on one server), restarted, and checked:
 * each task completed or failed cleanly, and `coffer-manage audit` finds the host holding exactly
 * what the store says. All points run in CI (no sampling): batching makes the cost a restart or
 * two per workflow. And a deliberately broken step makes the sweep fail.
 */

const servers: CofferServer[] = [];
after(async () => {
  // Dozens of instances: removed from the host directly, not deleted one by one through the API.
  for (const s of servers) await s.close({ direct: true });
});

async function sweepServer(bin?: string, warmPool = 0): Promise<{ server: CofferServer; planFile: string }> {
  const planDir = await mkdtemp(join(tmpdir(), "coffer-sweep-"));
  const planFile = join(planDir, "kill-plan.json");
  // Points arrive as tasks get there; wait this long for more before killing.
  await writeFile(planFile, JSON.stringify({ quietMs: 10_000, points: [] }));
  const server = await startCoffer({
    ...(bin ? { bin } : {}),
    extraArgs: [
      ...["--test-kill-points", planFile, "--spare-volumes", "", "--heartbeat-interval", "5"],
      ...["--quota-instances", "-1", "--quota-volumes", "-1", "--quota-ram", "-1"],
      ...(warmPool > 0 ? ["--warm-pools", `postgresql:15:7:${warmPool}`] : []),
    ],
  });
  servers.push(server);
  return { server, planFile };
}

test("every workflow has a driver in the sweep", () => {
  assert.deepEqual(withoutDriver(WORKFLOWS), [], "add a driver in test/support/sweep/drivers.ts");
});

test("every kill point of every workflow: recovered, no orphan, the host as the store says", async () => {
  const { server, planFile } = await sweepServer(undefined, 9);
  const results = await runWith(server, planFile);
  const lines = results.map(summaryLine);
  console.log(lines.join("\n"));
  for (const r of results) {
    assert.deepEqual(r.problems, [], r.label);
    assert.deepEqual(r.drift, [], `${r.label}: audit drift`);
    assert.equal(r.recovered, r.points, summaryLine(r));
    assert.equal(r.orphans, 0, summaryLine(r));
  }
  const labels = results.map((r) => r.label);
  for (const w of WORKFLOWS) assert.ok(labels.includes(w.kind), `${w.kind} swept`);
  assert.ok(labels.includes("create_instance (pooled)"));
});

test("a deliberately broken step (destroy skipped on resume) makes the sweep fail", async () => {
  const bin = join(new URL("..", import.meta.url).pathname, "test/support/sweep/broken-coffer.js");
  const { server, planFile } = await sweepServer(bin);
  const [result] = await runWith(server, planFile, ["delete_instance"]);
  console.log(`broken step: ${summaryLine(result!)}`);
  assert.ok(result!.orphans > 0, `the sweep must see the orphan: ${JSON.stringify(result)}`);
});

function runWith(server: CofferServer, planFile: string, only?: string[]): Promise<WorkflowResult[]> {
  return runSweep({
    server,
    planFile,
    workflows: WORKFLOWS,
    ...(only ? { only } : {}),
    log: (line) => console.log(`[sweep] ${line}`),
  });
}
