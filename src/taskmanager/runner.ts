import { randomUUID } from "node:crypto";
import { asCofferError } from "../domain/index.js";
import type { Subscription } from "../bus/index.js";
import { createEventRecorder } from "../events/index.js";
import { createMetrics } from "../metrics/index.js";
import type { Task } from "../store/index.js";
import type { StepContext, TaskOrigin, Workflow, WorkflowDeps } from "./workflow.js";
import {
  Abandoned,
  DEFAULT_RETRY,
  retrying,
  withTimeout,
  type RetryHooks,
  type RetryPolicy,
} from "./attempts.js";

export const TASKMANAGER_TOPIC = "taskmanager";
/** The boundary after a workflow's last step is recorded and before its task is marked done. */
export const END_STEP = "end";

export interface RunnerOptions {
  /** How long a claim lasts without renewal; a dead task manager's tasks are resumed after this. */
  leaseMs: number;
  /** How often to look for runnable tasks when nobody wakes us. */
  pollMs: number;
  /** How many tasks run at once in this process. */
  concurrency: number;
  /** How long retryable failures (a lost bus or database) are retried before a task fails (10 min). */
  retry?: RetryPolicy;
  /**
   * A fault-injection point at every step boundary, for the kill-point sweep only
   * (kill-points.ts, docs/reliability.md); absent in production, where nothing is called.
   */
  stepBoundary?: (point: StepBoundary) => Promise<void>;
}

/** Where a task is: about to run `step`, or `step` ran and is not yet recorded; `end`: all recorded. */
export interface StepBoundary {
  taskId: string;
  kind: string;
  instanceId: string | null;
  step: string;
  when: "before" | "after";
  /** Aborted when this task manager stops: a hook that holds the task lets go then. */
  signal: AbortSignal;
}

export interface TaskManager {
  start(): Promise<void>;
  /** Looks for work now (the API casts `wake` after recording a task). */
  wake(): void;
  /** Stops claiming, aborts running steps; their leases lapse and another task manager resumes them. */
  stop(): Promise<void>;
  /** Resolves when no task is running in this process (for tests). */
  idle(): Promise<void>;
}

export function createTaskManager(
  deps: WorkflowDeps,
  workflows: readonly Workflow[],
  options: RunnerOptions,
): TaskManager {
  // Each claim gets its own owner id, so a runner whose lease lapsed can never pass the owner
  // checks of the run that re-claimed the task, even in the same process.
  const processId = `tm-${randomUUID().slice(0, 8)}`;
  const log = deps.logger.child({ component: "taskmanager", processId });
  const byKind = new Map(workflows.map((w) => [w.kind, w]));
  const metrics = deps.metrics ?? createMetrics();
  const events = deps.events ?? createEventRecorder({ ...deps, metrics });
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  let subscription: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let claiming: Promise<void> | undefined;
  let wakeAgain = false;

  async function claimLoop(): Promise<void> {
    do {
      wakeAgain = false;
      while (!stopped && running.size < options.concurrency) {
        const owner = `${processId}-${randomUUID()}`;
        const task = await deps.store.tasks.claim(owner, deps.clock.now(), options.leaseMs);
        if (!task) break;
        launch(task, owner);
      }
    } while (wakeAgain && !stopped);
  }

  function wake(): void {
    if (stopped) return;
    if (claiming) {
      wakeAgain = true;
      return;
    }
    claiming = claimLoop()
      // The database being away is waited out: the next poll tries again.
      .catch((err: unknown) => log.warn({ err }, "claiming tasks failed; trying again at the next poll"))
      .finally(() => (claiming = undefined));
  }

  function launch(task: Task, owner: string): void {
    const abort = new AbortController();
    const done = execute(task, owner, abort.signal)
      .catch((err: unknown) => log.error({ err, taskId: task.id }, "task runner failed"))
      .finally(() => {
        running.delete(task.id);
        wake();
      });
    running.set(task.id, { abort, done });
  }

  async function execute(task: Task, owner: string, stopSignal: AbortSignal): Promise<void> {
    const workflow = byKind.get(task.kind);
    const taskLog = log.child({ taskId: task.id, kind: task.kind, instanceId: task.instanceId });
    if (!workflow) {
      await deps.store.tasks.finish(
        task.id,
        owner,
        "failed",
        `unknown task kind ${task.kind}`,
        deps.clock.now(),
      );
      return;
    }
    const renew = setInterval(
      () => {
        const until = new Date(deps.clock.now().getTime() + options.leaseMs);
        deps.store.tasks
          .renew(task.id, owner, until)
          .catch((err: unknown) => taskLog.warn({ err }, "lease renewal failed"));
      },
      Math.max(100, Math.floor(options.leaseMs / 3)),
    );
    const data = { ...task.data };
    let lastStep = task.step;
    const ctx = (signal: AbortSignal): StepContext<Record<string, unknown>> => ({
      task,
      instanceId: task.instanceId ?? "",
      data,
      deps,
      signal,
      log: taskLog,
    });
    // Every piece of work below, the steps and the runner's own writes, waits out a lost bus or
    // database (retryable errors) rather than failing the task for it.
    const hooks = (what: string): RetryHooks => ({
      signal: stopSignal,
      onRetry: (err, attempt, delayMs) => {
        const level = attempt === 1 || attempt % 10 === 0 ? "warn" : "debug";
        taskLog[level]({ code: err.code, why: err.message, attempt, delayMs }, `${what} failed; retrying`);
      },
      stillOurs: () =>
        deps.store.tasks.renew(task.id, owner, new Date(deps.clock.now().getTime() + options.leaseMs)),
    });
    const retry = options.retry ?? DEFAULT_RETRY;
    const record = <T>(what: string, fn: () => Promise<T>) => retrying(fn, retry, hooks(what));
    /** Scrubs secrets from the stored data, then ends the task. */
    const end = async (state: "succeeded" | "failed", error: string | null) => {
      const secrets = workflow.secretFields ?? [];
      if (secrets.some((f) => f in data)) {
        for (const field of secrets) delete data[field];
        await record("scrubbing the task's secrets", () =>
          deps.store.tasks.progress(task.id, owner, lastStep ?? "", data, deps.clock.now()),
        );
      }
      const now = deps.clock.now();
      await record("ending the task", () => deps.store.tasks.finish(task.id, owner, state, error, now));
      const seconds = Math.max(0, now.getTime() - task.createdAt.getTime()) / 1000;
      metrics.tasks.observe({ workflow: task.kind, result: state }, seconds);
    };
    let current = task.step ?? "";
    let stepStarted = Date.now();
    try {
      const start = task.step === null ? 0 : workflow.steps.findIndex((s) => s.name === task.step) + 1;
      if (task.attempts > 1)
        taskLog.info({ resumeAfter: task.step, attempt: task.attempts }, "resuming task");
      const boundary = async (step: string, when: StepBoundary["when"]) =>
        options.stepBoundary?.({
          taskId: task.id,
          kind: task.kind,
          instanceId: task.instanceId,
          step,
          when,
          signal: stopSignal,
        });
      for (const step of workflow.steps.slice(start)) {
        if (stopSignal.aborted) return;
        await boundary(step.name, "before");
        const started = Date.now();
        current = step.name;
        stepStarted = started;
        const result = await record(`step ${step.name}`, () =>
          withTimeout(step.timeoutMs, stopSignal, step.name, (signal) => step.run(ctx(signal))),
        );
        if (stopSignal.aborted) return;
        const stepSeconds = (Date.now() - started) / 1000;
        metrics.taskSteps.observe({ workflow: task.kind, step: step.name, result: "ok" }, stepSeconds);
        await boundary(step.name, "after");
        Object.assign(data, result ?? {});
        const held = await record("recording progress", () =>
          deps.store.tasks.progress(task.id, owner, step.name, data, deps.clock.now()),
        );
        lastStep = step.name;
        taskLog.debug({ step: step.name, ms: Date.now() - started }, "step done");
        if (!held) {
          taskLog.warn({ step: step.name }, "lost the task's lease; leaving it to its new owner");
          return;
        }
      }
      await boundary(END_STEP, "before");
      await end("succeeded", null);
      if (workflow.event) {
        await events.record(workflow.event, {
          instanceId: task.instanceId,
          cause: causeOf(task),
          details: eventDetails(task),
        });
      }
    } catch (err) {
      // Stopping: the lease lapses and the task resumes elsewhere. Lost: a delete cancelled it,
      // or another task manager holds it now.
      if (stopSignal.aborted) return;
      if (err instanceof Abandoned) {
        taskLog.info({ why: err.message }, "leaving the task");
        return;
      }
      const error = asCofferError(err);
      taskLog.warn({ err: error, code: error.code, step: current }, "task failed");
      metrics.taskFailures.inc({ workflow: task.kind, step: current, code: error.code });
      const stepSeconds = (Date.now() - stepStarted) / 1000;
      metrics.taskSteps.observe({ workflow: task.kind, step: current, result: "failed" }, stepSeconds);
      const failure = ctx(new AbortController().signal);
      try {
        await record("recording the failure", () => workflow.onFailure(failure, error));
      } finally {
        await end("failed", error.message);
        await events.record("instance.task_failed", {
          instanceId: task.instanceId,
          cause: `${task.kind} failed at ${current || "its start"}: ${error.message} (${causeOf(task)})`,
          details: { ...eventDetails(task), step: current, code: error.code },
        });
      }
    } finally {
      clearInterval(renew);
    }
  }

  return {
    async start() {
      subscription = await deps.bus.serve(
        TASKMANAGER_TOPIC,
        {
          wake: async () => {
            wake();
          },
        },
        { service: true },
      );
      timer = setInterval(wake, options.pollMs);
      timer.unref();
      wake();
    },
    wake,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await subscription?.close();
      for (const { abort } of running.values()) abort.abort();
      await Promise.allSettled([claiming, ...[...running.values()].map((r) => r.done)]);
    },
    async idle() {
      while (running.size > 0 || claiming) {
        await Promise.allSettled([claiming, ...[...running.values()].map((r) => r.done)]);
      }
    },
  };
}

/** Who asked for the task, in words: the user and request that recorded it, when known. */
function causeOf(task: Task): string {
  const origin = originOf(task);
  if (!origin) return `${task.kind} task ${task.id}`;
  const who = origin.userName ?? origin.userId;
  return who
    ? `requested by ${who} (${origin.requestId})`
    : `requested through the API (${origin.requestId})`;
}

function eventDetails(task: Task): Record<string, string> {
  const origin = originOf(task);
  return {
    taskId: task.id,
    workflow: task.kind,
    ...(origin ? { requestId: origin.requestId } : {}),
    ...(origin?.userId ? { userId: origin.userId } : {}),
  };
}

function originOf(task: Task): TaskOrigin | undefined {
  const origin = task.data.origin as Partial<TaskOrigin> | undefined;
  return typeof origin?.requestId === "string" ? (origin as TaskOrigin) : undefined;
}
