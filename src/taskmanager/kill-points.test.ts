import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInProcessBus, type MessageBus } from "../bus/index.js";
import { systemClock } from "../domain/index.js";
import { silentLogger, waitFor } from "../lib/index.js";
import type { Store } from "../store/index.js";
import { openTempSqliteStore, seedInstances } from "../store/testing.js";
import { createKillPoints } from "./kill-points.js";
import { createTaskManager, END_STEP, type StepBoundary } from "./runner.js";
import { defineWorkflow } from "./workflow.js";

// The step-boundary hook of the runner and the kill points built on it (the sweep itself, which
// really SIGKILLs Coffer, is test/kill-point-sweep.test.ts).
let store: Store;
let closeStore: () => Promise<void>;
let bus: MessageBus;
let dir: string;
before(async () => {
  ({ store, close: closeStore } = await openTempSqliteStore());
  await seedInstances(store, []);
  bus = createInProcessBus({ logger: silentLogger() });
  dir = await mkdtemp(join(tmpdir(), "coffer-kp-"));
});
after(async () => {
  await bus.close();
  await closeStore();
  await rm(dir, { recursive: true, force: true });
});

async function newTask(kind: string, name = "i") {
  const instanceId = randomUUID();
  await store.instances.create({
    id: instanceId,
    projectId: "p",
    name,
    flavorId: "6",
    datastoreVersionId: "dv-pg15",
    volumeSizeGb: 1,
    createdAt: new Date(),
  });
  await store.tasks.create({ id: randomUUID(), instanceId, kind, data: {}, createdAt: new Date() });
  return instanceId;
}

const twoSteps = (kind: string) =>
  defineWorkflow({
    kind,
    steps: ["a", "b"].map((name) => ({ name, timeoutMs: 1000, run: async () => undefined })),
    onFailure: async () => {},
  });

const deps = () => ({
  store,
  bus,
  clock: systemClock,
  logger: silentLogger(),
  pickHost: async () => "h",
  healthyTimeoutMs: 1000,
  pollMs: 10,
});

test("the runner calls the hook before and after every step, then before the end", async () => {
  const seen: string[] = [];
  const hook = async (p: StepBoundary) => {
    seen.push(`${p.when}:${p.step}`);
  };
  const tm = createTaskManager(deps(), [twoSteps("boundaries")], {
    leaseMs: 5000,
    pollMs: 60_000,
    concurrency: 1,
    stepBoundary: hook,
  });
  await newTask("boundaries");
  await tm.start();
  await waitFor(async () => (seen.length === 5 ? true : undefined), { timeoutMs: 5000, what: "the hook" });
  await tm.idle();
  await tm.stop();
  assert.deepEqual(seen, ["before:a", "after:a", "before:b", "after:b", `before:${END_STEP}`]);
});

test("kill points hold each task at its point and kill once all planned points are reached", async () => {
  const plan = join(dir, "plan.json");
  const one = await newTask("kp", "sw-one");
  const two = await newTask("kp", "sw-two");
  await writeFile(
    plan,
    JSON.stringify({
      points: [
        { kind: "kp", step: "a", when: "after", instance: "sw-one" }, // by name
        { kind: "kp", step: END_STEP, when: "before", instance: two }, // by id
      ],
    }),
  );
  let kills = 0;
  const tm = createTaskManager(deps(), [twoSteps("kp")], {
    leaseMs: 5000,
    pollMs: 60_000,
    concurrency: 4,
    stepBoundary: createKillPoints({
      planFile: plan,
      logger: silentLogger(),
      nameOf: async (id) => (await store.instances.get(id))?.name,
      quietMs: 60_000,
      kill: () => kills++,
    }),
  });
  await tm.start();
  await waitFor(async () => (kills > 0 ? true : undefined), { timeoutMs: 5000, what: "the hook" });
  assert.equal(kills, 1, "one kill for both points");
  const fired = (await readFile(`${plan}.fired`, "utf8")).trim().split("\n");
  assert.equal(fired.length, 2);
  // Neither task got past its point: one recorded nothing, two recorded both steps.
  const tasks = await Promise.all([one, two].map((instanceId) => store.tasks.list({ instanceId })));
  assert.deepEqual(
    tasks.map((t) => [t[0]!.state, t[0]!.step]),
    [
      ["running", null],
      ["running", "b"],
    ],
  );
  // A fired point is not armed again (the "restarted" hook lets both through).
  const again = createKillPoints({
    planFile: plan,
    logger: silentLogger(),
    nameOf: async (id) => (await store.instances.get(id))?.name,
    kill: () => assert.fail("a fired point fired again"),
  });
  const signal = new AbortController().signal;
  await again({ taskId: "t", kind: "kp", instanceId: one, step: "a", when: "after", signal });
  await tm.stop(); // lets go of the held tasks
});
