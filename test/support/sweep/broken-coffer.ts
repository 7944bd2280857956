/**
 * Coffer with one step deliberately broken, for the test that the kill-point sweep catches it
 * (test/kill-point-sweep.test.ts): delete's `destroy` step believes that a task resumed after a
 * crash has already destroyed the instance — the kind of "it must have run" shortcut that leaves
 * an orphan engine, volume and address behind when Coffer dies just before the step. Never
 * built into Coffer itself: this entry point patches the registry, then runs the real `coffer`.
 */
import { WORKFLOWS, type Step } from "../../../src/taskmanager/index.js";

const del = WORKFLOWS.find((w) => w.kind === "delete_instance")!;
const [destroy, ...rest] = del.steps;
const broken: Step<Record<string, unknown>> = {
  ...destroy!,
  run: async (ctx) => (ctx.task.attempts > 1 ? undefined : destroy!.run(ctx)),
};
(del as { steps: readonly Step<Record<string, unknown>>[] }).steps = [broken, ...rest];

await import("../../../src/bin/coffer.js");
