import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createInProcessBus, type MessageBus } from "../bus/index.js";
import { ConflictError, systemClock, UnavailableError, ValidationError } from "../domain/index.js";
import { createMetrics } from "../metrics/index.js";
import { silentLogger, sleep, waitFor } from "../lib/index.js";
import type { Store } from "../store/index.js";
import { openTempSqliteStore, seedInstances } from "../store/testing.js";
import { createTaskManager, TASKMANAGER_TOPIC } from "./runner.js";
import { defineWorkflow, type Workflow, type WorkflowDeps } from "./workflow.js";

// The runner's own mechanics, over a real SQLite store and the in-process bus, with workflows
// written for the test (the real workflows are exercised end to end in test/).
let store: Store;
let closeStore: () => Promise<void>;
let bus: MessageBus;
before(async () => {
  ({ store, close: closeStore } = await openTempSqliteStore());
  await seedInstances(store, []); // the catalog rows instances refer to
  bus = createInProcessBus({ logger: silentLogger() });
});
after(async () => {
  await bus.close();
  await closeStore();
});

async function newTask(kind: string, data: Record<string, unknown> = {}) {
  const instanceId = randomUUID();
  await store.instances.create({
    id: instanceId,
    projectId: "p",
    name: "i",
    flavorId: "6",
    datastoreVersionId: "dv-pg15",
    volumeSizeGb: 1,
    createdAt: new Date(),
  });
  return store.tasks.create({ id: randomUUID(), instanceId, kind, data, createdAt: new Date() });
}

function deps(): WorkflowDeps {
  return {
    store,
    bus,
    clock: systemClock,
    logger: silentLogger(),
    pickHost: async () => "h",
    healthyTimeoutMs: 1000,
    pollMs: 10,
  };
}

const manager = (workflows: Workflow[], leaseMs = 5_000) =>
  createTaskManager(deps(), workflows, { leaseMs, pollMs: 60_000, concurrency: 4 });

test("a woken runner runs the steps in order, records each, and ends succeeded without secrets", async () => {
  const ran: string[] = [];
  const wf = defineWorkflow<{ n: number; secret?: string }>({
    kind: "order",
    secretFields: ["secret"],
    steps: ["a", "b", "c"].map((name) => ({
      name,
      timeoutMs: 1000,
      run: async ({ data }) => {
        ran.push(name);
        return { n: data.n + 1 };
      },
    })),
    onFailure: async () => {},
  });
  const tm = manager([wf]);
  await tm.start();
  const task = await newTask("order", { n: 0, secret: "hunter2" });
  await bus.cast(TASKMANAGER_TOPIC, "wake", {});
  const done = await waitFor(
    async () => {
      const t = await store.tasks.get(task.id);
      return t?.state === "succeeded" ? t : undefined;
    },
    { timeoutMs: 5000, what: "task to succeed" },
  );
  await tm.stop();
  assert.deepEqual(ran, ["a", "b", "c"]);
  assert.equal(done.step, "c");
  assert.deepEqual(done.data, { n: 3 });
});

test("a task whose runner died is resumed after its lease lapses, from the step after the last recorded", async () => {
  const ran: string[] = [];
  const wf = defineWorkflow({
    kind: "resume",
    steps: ["a", "b", "c"].map((name) => ({ name, timeoutMs: 1000, run: async () => void ran.push(name) })),
    onFailure: async () => {},
  });
  const task = await newTask("resume");
  // A runner that claimed the task, recorded step a, and died.
  const claimed = await store.tasks.claim("dead-runner", new Date(), 50);
  assert.equal(claimed?.id, task.id);
  assert.ok(await store.tasks.progress(task.id, "dead-runner", "a", {}, new Date()));
  await sleep(80);
  const tm = manager([wf]);
  await tm.start();
  await tm.idle();
  await tm.stop();
  assert.deepEqual(ran, ["b", "c"]);
  const after = await store.tasks.get(task.id);
  assert.equal(after?.state, "succeeded");
  assert.equal(after?.attempts, 2);
  // The dead runner can no longer write.
  assert.equal(await store.tasks.progress(task.id, "dead-runner", "x", {}, new Date()), false);
});

test("a step that overruns its timeout fails the task and runs onFailure with the reason", async () => {
  let failure: Error | undefined;
  const wf = defineWorkflow({
    kind: "slow",
    steps: [{ name: "forever", timeoutMs: 50, run: () => new Promise<void>(() => {}) }],
    onFailure: async (_ctx, err) => {
      failure = err;
    },
  });
  const task = await newTask("slow");
  const tm = manager([wf]);
  await tm.start();
  await waitFor(async () => ((await store.tasks.get(task.id))?.state === "failed" ? true : undefined), {
    timeoutMs: 3000,
    what: "task to fail",
  });
  await tm.stop();
  assert.match(failure?.message ?? "", /step forever did not finish within/);
  assert.match((await store.tasks.get(task.id))?.error ?? "", /forever/);
});

test("stopping leaves a running task to be resumed, never marks it failed", async () => {
  let started = 0;
  const wf = defineWorkflow({
    kind: "stoppable",
    steps: [
      {
        name: "long",
        timeoutMs: 10_000,
        run: async () => {
          started++;
          if (started === 1) await new Promise<void>(() => {}); // the first run hangs until stop
        },
      },
    ],
    onFailure: async () => assert.fail("onFailure must not run on stop"),
  });
  const task = await newTask("stoppable");
  const first = manager([wf], 100);
  await first.start();
  await waitFor(async () => (started === 1 ? true : undefined), { timeoutMs: 3000, what: "step start" });
  await first.stop();
  assert.equal((await store.tasks.get(task.id))?.state, "running");
  await sleep(150);
  const second = manager([wf], 100);
  await second.start();
  await second.idle();
  await second.stop();
  assert.equal((await store.tasks.get(task.id))?.state, "succeeded");
  assert.equal(started, 2);
});

test("task and step durations and failures are counted by workflow, step and error code", async () => {
  const metrics = createMetrics();
  const wf = defineWorkflow({
    kind: "measured",
    steps: [
      { name: "quick", timeoutMs: 1000, run: async () => undefined },
      {
        name: "breaks",
        timeoutMs: 1000,
        run: async () => {
          throw new ConflictError("SOMETHING_TAKEN", "taken");
        },
      },
    ],
    onFailure: async () => undefined,
  });
  const task = await newTask("measured");
  const tm = createTaskManager({ ...deps(), metrics }, [wf], {
    leaseMs: 5000,
    pollMs: 60_000,
    concurrency: 1,
  });
  await tm.start();
  await waitFor(async () => ((await store.tasks.get(task.id))?.state === "failed" ? true : undefined), {
    timeoutMs: 3000,
    what: "task to fail",
  });
  await tm.stop();
  const text = await metrics.registry.metrics();
  assert.match(
    text,
    /coffer_task_step_duration_seconds_count\{workflow="measured",step="quick",result="ok"\} 1/,
  );
  assert.match(
    text,
    /coffer_task_step_duration_seconds_count\{workflow="measured",step="breaks",result="failed"\} 1/,
  );
  assert.match(
    text,
    /coffer_task_failures_total\{workflow="measured",step="breaks",code="SOMETHING_TAKEN"\} 1/,
  );
  assert.match(text, /coffer_task_duration_seconds_count\{workflow="measured",result="failed"\} 1/);
});

test("a task's end is an event: its workflow's kind with who asked, or instance.task_failed with why", async () => {
  const ok = defineWorkflow({
    kind: "eventful",
    event: "instance.restarted",
    steps: [{ name: "only", timeoutMs: 1000, run: async () => undefined }],
    onFailure: async () => undefined,
  });
  const broken = defineWorkflow({
    kind: "broken",
    event: "instance.restarted",
    steps: [
      {
        name: "snaps",
        timeoutMs: 1000,
        run: async () => {
          throw new ConflictError("SNAPPED", "it snapped");
        },
      },
    ],
    onFailure: async () => undefined,
  });
  const origin = { requestId: "req-42", userId: "u-1", userName: "alice" };
  const good = await newTask("eventful", { origin });
  const bad = await newTask("broken");
  const tm = manager([ok, broken]);
  await tm.start();
  await waitFor(
    async () => ((await store.events.list({ instanceId: bad.instanceId! })).length > 0 ? true : undefined),
    { timeoutMs: 3000, what: "the failure's event" },
  );
  await tm.stop();
  const [done] = await store.events.list({ instanceId: good.instanceId! });
  assert.equal(done?.kind, "instance.restarted");
  assert.equal(done?.cause, "requested by alice (req-42)");
  assert.equal(done?.projectId, "p");
  assert.deepEqual(done?.details, {
    taskId: good.id,
    workflow: "eventful",
    requestId: "req-42",
    userId: "u-1",
  });
  const [failed] = await store.events.list({ instanceId: bad.instanceId! });
  assert.equal(failed?.kind, "instance.task_failed");
  assert.equal(failed?.cause, `broken failed at snaps: it snapped (broken task ${bad.id})`);
  assert.equal(failed?.details.code, "SNAPPED");
});

const quickRetry = { forMs: 300, delayMs: { min: 5, max: 20 } };

test("a step cut by a lost bus is tried again and the task succeeds; a non-retryable error fails at once", async () => {
  let runs = 0;
  let failedWith: Error | undefined;
  const wf = defineWorkflow({
    kind: "flaky",
    steps: [
      {
        name: "call",
        timeoutMs: 1000,
        run: async () => {
          runs++;
          if (runs <= 2)
            throw new UnavailableError("BUS_CONNECTION_LOST", "the message bus lost its connection");
        },
      },
    ],
    onFailure: async (_ctx, err) => {
      failedWith = err;
    },
  });
  const bad = defineWorkflow({
    kind: "bad",
    steps: [
      {
        name: "refused",
        timeoutMs: 1000,
        run: async () => {
          runs += 100;
          throw new ValidationError("ENGINE_CONFIG_REJECTED", "no");
        },
      },
    ],
    onFailure: async (_ctx, err) => {
      failedWith = err;
    },
  });
  const tm = createTaskManager(deps(), [wf, bad], {
    leaseMs: 5000,
    pollMs: 60_000,
    concurrency: 4,
    retry: quickRetry,
  });
  const task = await newTask("flaky");
  await tm.start();
  await tm.idle();
  assert.equal((await store.tasks.get(task.id))?.state, "succeeded");
  assert.equal(runs, 3);
  assert.equal(failedWith, undefined);

  const refused = await newTask("bad");
  tm.wake();
  await waitFor(async () => ((await store.tasks.get(refused.id))?.state === "failed" ? true : undefined), {
    timeoutMs: 3000,
    what: "the refused task to fail",
  });
  await tm.stop();
  assert.equal(runs, 103, "a non-retryable error is not retried");
  assert.equal((failedWith as { code?: string } | undefined)?.code, "ENGINE_CONFIG_REJECTED");
});

test("retryable failures that go on past the retry limit fail the task with the last error", async () => {
  let runs = 0;
  let failedWith: Error | undefined;
  const wf = defineWorkflow({
    kind: "down",
    steps: [
      {
        name: "call",
        timeoutMs: 1000,
        run: async () => {
          runs++;
          throw new UnavailableError("BUS_DISCONNECTED", "the message bus is not connected");
        },
      },
    ],
    onFailure: async (_ctx, err) => {
      failedWith = err;
    },
  });
  const tm = createTaskManager(deps(), [wf], {
    leaseMs: 5000,
    pollMs: 60_000,
    concurrency: 4,
    retry: quickRetry,
  });
  const task = await newTask("down");
  const t0 = Date.now();
  await tm.start();
  await tm.idle();
  await tm.stop();
  assert.ok(Date.now() - t0 >= quickRetry.forMs, "gave up before the retry limit");
  assert.ok(runs > 2, `only ${runs} attempts`);
  assert.equal((await store.tasks.get(task.id))?.state, "failed");
  assert.equal((failedWith as { code?: string } | undefined)?.code, "BUS_DISCONNECTED");
});

test("a task cancelled by a delete while its step waits for the bus is left alone, not failed", async () => {
  let runs = 0;
  const wf = defineWorkflow({
    kind: "cancelled",
    steps: [
      {
        name: "call",
        timeoutMs: 1000,
        run: async () => {
          runs++;
          throw new UnavailableError("BUS_NO_SERVER", "no server");
        },
      },
    ],
    onFailure: async () => assert.fail("a cancelled task must not run onFailure"),
  });
  const task = await newTask("cancelled");
  const tm = createTaskManager(deps(), [wf], {
    leaseMs: 5000,
    pollMs: 60_000,
    concurrency: 4,
    retry: { forMs: 60_000, delayMs: { min: 20, max: 20 } },
  });
  await tm.start();
  await waitFor(async () => (runs >= 2 ? true : undefined), { timeoutMs: 3000, what: "a retry" });
  await store.tasks.cancelActive(task.instanceId!, "superseded by delete", new Date());
  await tm.idle();
  await tm.stop();
  const after = await store.tasks.get(task.id);
  assert.equal(after?.state, "cancelled");
  assert.equal(after?.error, "superseded by delete");
});

test("the runner's own writes wait out an unreachable database", async () => {
  let refusals = 2;
  const flaky: Store = Object.create(store) as Store;
  const tasks = store.tasks;
  Object.defineProperty(flaky, "tasks", {
    value: {
      ...tasks,
      claim: tasks.claim.bind(tasks),
      renew: tasks.renew.bind(tasks),
      finish: tasks.finish.bind(tasks),
      progress: async (...args: Parameters<typeof tasks.progress>) => {
        if (refusals-- > 0) throw new UnavailableError("STORE_UNAVAILABLE", "connection refused");
        return tasks.progress(...args);
      },
    },
  });
  const wf = defineWorkflow({
    kind: "bookkeeping",
    steps: [{ name: "only", timeoutMs: 1000, run: async () => ({ done: true }) }],
    onFailure: async () => assert.fail("must not fail"),
  });
  const task = await newTask("bookkeeping");
  const tm = createTaskManager({ ...deps(), store: flaky }, [wf], {
    leaseMs: 5000,
    pollMs: 60_000,
    concurrency: 4,
    retry: quickRetry,
  });
  await tm.start();
  await tm.idle();
  await tm.stop();
  const after = await store.tasks.get(task.id);
  assert.equal(after?.state, "succeeded");
  assert.equal(after?.step, "only");
  assert.equal(refusals, -1);
});
