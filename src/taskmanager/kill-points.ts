import { appendFileSync, closeSync, fsyncSync, openSync, readFileSync } from "node:fs";
import type { Logger } from "../lib/index.js";
import type { StepBoundary } from "./runner.js";

/**
 * Kill points for the kill-point sweep (docs/reliability.md) — a test option, inert unless the
 * server is started with `--test-kill-points FILE`. The file holds a plan: the step boundaries at
 * which Coffer is to be SIGKILLed, each for one instance (named by id or by instance name, as a
 * create's id is not known before its request):
 *
 *   {"points": [{"kind": "create_instance", "step": "prepare", "when": "after", "instance": "sw-3"}]}
 *
 * A task that reaches its point stops there (it never returns). Once every planned point not yet
 * fired has been reached — or nothing new has arrived for `quietMs` (3 s, or the plan's
 * `"quietMs"`) — the points reached are
 * appended to `FILE.fired` (one JSON line each, flushed) and the process kills itself with
 * SIGKILL: so one kill lands many tasks each at its own point, and the sweep's cost is a few
 * restarts rather than one per point. After the restart the fired points are not armed again.
 */

export interface KillPoint {
  kind: string;
  step: string;
  when: StepBoundary["when"];
  /** The instance's id or its name. */
  instance: string;
}

export interface KillPointsDeps {
  planFile: string;
  logger: Logger;
  /** The instance's name, for points that name it (read from the store). */
  nameOf(instanceId: string): Promise<string | undefined>;
  /** How long to wait for more points after one is reached. Default 3 s. */
  quietMs?: number;
  /** Kills the process (tests of this module pass their own). */
  kill?: () => void;
}

const key = (p: KillPoint) => `${p.kind} ${p.when}:${p.step} ${p.instance}`;

export function createKillPoints(deps: KillPointsDeps): (point: StepBoundary) => Promise<void> {
  const firedFile = `${deps.planFile}.fired`;
  const names = new Map<string, string | undefined>();
  const arrived = new Map<string, KillPoint>();
  let quiet: NodeJS.Timeout | undefined;
  const kill = deps.kill ?? (() => process.kill(process.pid, "SIGKILL"));

  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  };
  let quietMs = deps.quietMs ?? 3000;
  const planned = (): KillPoint[] => {
    const text = read(deps.planFile);
    if (!text) return [];
    const plan = JSON.parse(text) as { points: KillPoint[]; quietMs?: number };
    if (typeof plan.quietMs === "number") quietMs = plan.quietMs;
    return plan.points;
  };
  const fired = (): Set<string> =>
    new Set(
      read(firedFile)
        .split("\n")
        .filter(Boolean)
        .map((line) => key(JSON.parse(line) as KillPoint)),
    );

  const fire = () => {
    clearTimeout(quiet);
    const fd = openSync(firedFile, "a");
    try {
      for (const p of arrived.values()) appendFileSync(fd, JSON.stringify(p) + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    deps.logger.warn({ points: [...arrived.keys()] }, "kill points reached: SIGKILL");
    kill();
  };

  return async (point) => {
    const id = point.instanceId ?? "";
    if (!names.has(id)) names.set(id, id ? await deps.nameOf(id) : undefined);
    const name = names.get(id);
    const done = fired();
    const open = planned().filter((p) => !done.has(key(p)));
    const hit = open.find(
      (p) =>
        p.kind === point.kind &&
        p.step === point.step &&
        p.when === point.when &&
        (p.instance === id || p.instance === name),
    );
    if (!hit) return;
    arrived.set(key(hit), hit);
    deps.logger.warn({ point: key(hit) }, "kill point reached; holding the task");
    if (open.every((p) => arrived.has(key(p)))) fire();
    else {
      clearTimeout(quiet);
      quiet = setTimeout(fire, quietMs);
    }
    // The task stays here until the process dies (or, in a test, its task manager stops).
    await new Promise<never>((_, reject) =>
      point.signal.addEventListener("abort", () => reject(new Error("task manager stopping")), {
        once: true,
      }),
    );
  };
}
