import { test } from "node:test";
import assert from "node:assert/strict";
import { waitForInstance, type InstanceStatus } from "./wait.js";

/*
 * The polling loop on its own, fed a scripted sequence of views with a virtual clock (the real
 * thing is exercised end to end in test/cli.test.ts).
 */
function scripted(statuses: (string | undefined)[], fault?: string) {
  let t = 0;
  let i = 0;
  const lines: string[] = [];
  const get = () => {
    const status = statuses[Math.min(i++, statuses.length - 1)];
    const view: InstanceStatus | undefined =
      status === undefined
        ? undefined
        : { id: "i-1", status, ...(fault ? { fault: { message: fault } } : {}) };
    return Promise.resolve(view);
  };
  const options = {
    now: () => t,
    sleep: (ms: number) => {
      t += ms;
      return Promise.resolve();
    },
    progress: (line: string) => lines.push(line),
  };
  return { get, options, lines };
}

test("reports each change once with the elapsed time and ends at ACTIVE", async () => {
  const s = scripted(["BUILD", "BUILD", "BUILD", "ACTIVE"]);
  const view = await waitForInstance(s.get, {
    ...s.options,
    until: "active",
    timeoutMs: 10_000,
    initialStatus: "BUILD",
  });
  assert.equal(view?.status, "ACTIVE");
  assert.deepEqual(s.lines, ["[   0.0s] BUILD", "[   1.5s] ACTIVE"]);
});

test("ERROR ends the wait with the fault message", async () => {
  const s = scripted(["BUILD", "ERROR"], "no host");
  await assert.rejects(
    waitForInstance(s.get, { ...s.options, until: "active", timeoutMs: 10_000 }),
    /Instance i-1 went to ERROR: no host/,
  );
});

test("a delete ends when the instance is gone; running out of time is an error", async () => {
  const gone = scripted(["SHUTDOWN", undefined]);
  assert.equal(
    await waitForInstance(gone.get, { ...gone.options, until: "gone", timeoutMs: 10_000 }),
    undefined,
  );
  assert.deepEqual(gone.lines, ["[   0.0s] SHUTDOWN", "[   0.5s] DELETED"]);
  const stuck = scripted(["BUILD"]);
  await assert.rejects(
    waitForInstance(stuck.get, { ...stuck.options, until: "active", timeoutMs: 2_000 }),
    (err: Error & { kind?: string }) =>
      err.kind === "timeout" &&
      /Timed out after 2\.0s .* to become ACTIVE \(status: BUILD\)/.test(err.message),
  );
});
