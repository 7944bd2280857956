import { test } from "node:test";
import assert from "node:assert/strict";
import { silentLogger, sleep } from "../lib/index.js";
import { Heartbeats } from "./heartbeats.js";

test("heartbeats: every guest once per interval, phases spread, never two of one guest at once", async () => {
  const interval = 200;
  let phase = 0;
  // Evenly spread phases (the real scheduler draws them at random).
  const beats = new Heartbeats(interval, 100, silentLogger(), () => (phase++ % 4) / 4);
  const firsts = new Map<string, number>();
  const counts = new Map<string, number>();
  let overlapping = false;
  const running = new Set<string>();
  const start = Date.now();
  for (const id of ["a", "b", "c", "d"]) {
    beats.add(id, async () => {
      if (running.has(id)) overlapping = true;
      running.add(id);
      if (!firsts.has(id)) firsts.set(id, Date.now() - start);
      counts.set(id, (counts.get(id) ?? 0) + 1);
      await sleep(id === "d" ? 350 : 5); // d overruns its interval
      running.delete(id);
    });
  }
  await sleep(1050);
  await beats.stop();
  const after = [...counts.values()].reduce((a, b) => a + b, 0);
  await sleep(300);
  assert.equal(
    [...counts.values()].reduce((a, b) => a + b, 0),
    after,
    "no beat after stop",
  );
  assert.equal(overlapping, false);
  const firstTimes = [...firsts.values()].sort((x, y) => x - y);
  assert.ok(firstTimes[3]! - firstTimes[0]! >= 100, `phases spread: ${firstTimes.join(", ")}`);
  for (const id of ["a", "b", "c"]) {
    const n = counts.get(id)!;
    assert.ok(n >= 3 && n <= 6, `${id} beat ${n} times in ~5 intervals`);
  }
  assert.ok(counts.get("d")! <= 3, "a slow guest skips the beats it overran");
});

test("heartbeats: at most `concurrency` beats at once across guests; remove stops one guest", async () => {
  const beats = new Heartbeats(50, 2, silentLogger(), () => 0);
  let active = 0;
  let most = 0;
  const seen = new Map<string, number>();
  for (const id of ["a", "b", "c", "d", "e"]) {
    beats.add(id, async () => {
      active++;
      most = Math.max(most, active);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      await sleep(20);
      active--;
    });
  }
  await sleep(120);
  beats.remove("e");
  const eBefore = seen.get("e") ?? 0;
  await sleep(200);
  await beats.stop();
  assert.equal(most, 2);
  assert.equal(seen.get("e") ?? 0, eBefore);
  assert.ok((seen.get("a") ?? 0) >= 2);
});
