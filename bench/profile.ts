/**
 * Where a create spends its time: runs creates against a server logging at debug level and
 * reads the task manager's step durations and the guest agent's prepare timings from its log.
 * Usage: node dist/bench/profile.js [runs=5] [manager…] [--warm-pools spec]
 */
import { parseArgs } from "node:util";
import { startBenchServer } from "./lib/server.js";
import { createOnce, deleteAndWait } from "./provisioning.js";
import { median } from "./lib/stats.js";
import { waitForPool } from "./pooled.js";
import { createFloorSite } from "./lib/floors.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "warm-pools": { type: "string" } },
});
const [runsArg, ...managers] = positionals;
const runs = Number(runsArg ?? 5);
const pools = values["warm-pools"];
const bench = await startBenchServer(["--log-level", "debug", ...(pools ? ["--warm-pools", pools] : [])]);
const out: Record<string, unknown> = {};
try {
  for (const manager of managers.length ? managers : ["postgresql", "mariadb"]) {
    const warm = await createOnce(bench.api, manager, "6", 1);
    await deleteAndWait(bench.api, warm.id);
    const ids: string[] = [];
    const client: Record<string, number[]> = { post: [], address: [], firstQuery: [], active: [] };
    const floorSite = await createFloorSite(manager);
    const floor: Record<string, number[]> = { copy: [], start: [], total: [] };
    for (let i = 0; i < runs; i++) {
      const f = await floorSite.fromTemplate();
      floor.copy!.push(f.initMs);
      floor.start!.push(f.startMs);
      floor.total!.push(f.totalMs);
      if (pools) await waitForPool(bench, manager);
      const s = await createOnce(bench.api, manager, "6", 1);
      client.post!.push(s.postMs);
      client.address!.push(s.addressMs);
      client.firstQuery!.push(s.firstQueryMs);
      client.active!.push(s.activeMs);
      ids.push(s.id);
      await deleteAndWait(bench.api, s.id);
    }
    await floorSite.close();
    const steps: Record<string, number[]> = {};
    for (const line of bench.server.output().split("\n")) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (!ids.includes(entry.instanceId as string)) continue;
      if (entry.msg === "step done") (steps[`task: ${String(entry.step)}`] ??= []).push(entry.ms as number);
      if (entry.msg === "instance prepared")
        for (const [k, v] of Object.entries(entry.timings as Record<string, number>))
          (steps[`prepare: ${k}`] ??= []).push(v);
      if (entry.msg === "prepared instance checked")
        for (const [k, v] of Object.entries(entry.timings as Record<string, number>))
          (steps[`prepare again: ${k}`] ??= []).push(v);
    }
    out[manager] = {
      floorMedians: Object.fromEntries(Object.entries(floor).map(([k, v]) => [k, Math.round(median(v))])),
      clientMedians: Object.fromEntries(Object.entries(client).map(([k, v]) => [k, Math.round(median(v))])),
      stepMedians: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, median(v)])),
    };
  }
} finally {
  await bench.close();
}
console.log(JSON.stringify(out, null, 2));
