import { test } from "node:test";
import assert from "node:assert/strict";
import { TASKS, visibleStatus, type InstanceState, type TaskStatus } from "./instance-status.js";
import { assertAllowed } from "./instance-transitions.js";
import { InvalidStateError } from "./errors.js";

const now = new Date("2026-01-01T00:10:00Z");
const fresh = new Date("2026-01-01T00:09:55Z");
const base: InstanceState = {
  task: "NONE",
  server: "ACTIVE",
  service: "healthy",
  serviceUpdatedAt: fresh,
  backupRunning: false,
};
const show = (s: Partial<InstanceState>) => visibleStatus({ ...base, ...s }, now, 90_000);

test("a healthy instance is ACTIVE/HEALTHY", () => {
  assert.deepEqual(show({}), { status: "ACTIVE", operatingStatus: "HEALTHY" });
});

test("status follows the task first (§3.3)", () => {
  assert.deepEqual(show({ task: "BUILDING", server: "BUILD", service: "new" }), {
    status: "BUILD",
    operatingStatus: "",
  });
  assert.equal(show({ task: "BUILDING", server: "ERROR" }).status, "ERROR");
  assert.equal(show({ task: "BUILD_ERROR_GUEST_TIMEOUT" }).status, "ERROR");
  assert.equal(show({ task: "REBOOTING" }).status, "REBOOT");
  assert.equal(show({ task: "RESIZING" }).status, "RESIZE");
  assert.deepEqual(show({ task: "RESTART_REQUIRED" }), { status: "RESTART_REQUIRED", operatingStatus: "" });
  assert.equal(show({ task: "DELETING" }).status, "SHUTDOWN");
  assert.deepEqual(show({ task: "UPDATING" }), { status: "UPDATE", operatingStatus: "" });
  assert.equal(show({ task: "STOPPING" }).status, "SHUTDOWN");
  assert.equal(show({ backupRunning: true }).status, "BACKUP");
});

test("operating status shows the engine's state", () => {
  assert.equal(show({ service: "running" }).operatingStatus, "ACTIVE");
  assert.equal(show({ service: "shutdown" }).operatingStatus, "SHUTDOWN");
  assert.equal(show({ service: "crashed" }).operatingStatus, "SHUTDOWN");
});

test("a silent guest agent turns operating status to ERROR after the expiry, status unchanged", () => {
  const stale = new Date(now.getTime() - 90_000);
  assert.deepEqual(show({ serviceUpdatedAt: stale }), { status: "ACTIVE", operatingStatus: "ERROR" });
  assert.equal(
    show({ serviceUpdatedAt: stale, service: "restart required" }).operatingStatus,
    "RESTART_REQUIRED",
  );
});

test("the transition table refuses busy instances with 422 in Trove's words", () => {
  assert.doesNotThrow(() => assertAllowed("restart", "i1", base));
  assert.doesNotThrow(() => assertAllowed("restart", "i1", { ...base, task: "RESTART_REQUIRED" }));
  assert.throws(
    () => assertAllowed("restart", "i1", { ...base, task: "RESIZING" }),
    (e: unknown) =>
      e instanceof InvalidStateError &&
      e.message ===
        "Instance i1 is not currently available for an action to be performed (task status was RESIZING).",
  );
  assert.throws(
    () => assertAllowed("resize_volume", "i1", { ...base, backupRunning: true }),
    InvalidStateError,
  );
  assert.throws(() => assertAllowed("delete", "i1", { ...base, task: "BUILDING" }), InvalidStateError);
  assert.doesNotThrow(() => assertAllowed("delete", "i1", { ...base, task: "BUILD_ERROR_SERVER" }));
  assert.throws(
    () => assertAllowed("users_databases", "i1", { ...base, service: "shutdown" }),
    /Instance i1 is not ready, status: SHUTDOWN\./,
  );
  assert.doesNotThrow(() => assertAllowed("reset_status", "i1", { ...base, task: "BUILDING" }));
});

test("what the status shows and what the transition table accepts agree for every task", () => {
  // A client polling until ACTIVE (or RESTART_REQUIRED) may then act: no task that shows either
  // refuses an action, and every task that refuses one shows something else.
  for (const task of Object.keys(TASKS) as TaskStatus[]) {
    const state = { ...base, task };
    const { status } = visibleStatus(state, now, 90_000);
    let accepted = true;
    try {
      assertAllowed("restart", "i1", state);
    } catch {
      accepted = false;
    }
    assert.equal(
      accepted,
      status === "ACTIVE" || status === "RESTART_REQUIRED",
      `task ${task} shows ${status}`,
    );
  }
});
