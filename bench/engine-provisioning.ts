/**
 * How long an engine takes to become usable: from scratch (initdb / mariadb-install-db, then
 * start and secure) against a copy of a prepared template (copy, then start and secure).
 * Runs the two alternately so that a busy machine slows both alike; prints one JSON object.
 * Usage: node dist/bench/engine-provisioning.js [runs=5] [manager…]
 */
import { createFloorSite, FLOOR_SIZING } from "./lib/floors.js";
import { median, ratio, round } from "./lib/stats.js";

async function bench(manager: string, runs: number): Promise<Record<string, unknown>> {
  const site = await createFloorSite(manager);
  try {
    const r = { initMs: [] as number[], copyMs: [] as number[], startMs: [] as number[] };
    const scratchMs: number[] = [];
    const templateMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const a = await site.fromScratch();
      const b = await site.fromTemplate();
      r.initMs.push(round(a.initMs));
      r.copyMs.push(round(b.initMs));
      r.startMs.push(round(a.startMs), round(b.startMs));
      scratchMs.push(round(a.totalMs));
      templateMs.push(round(b.totalMs));
    }
    const all = { ...r, scratchMs, templateMs };
    const m = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, median(v)]));
    return {
      manager,
      engine: site.engine.capabilities.name,
      runs,
      median: m,
      speedup: ratio(median(scratchMs), median(templateMs)),
      all,
    };
  } finally {
    await site.close();
  }
}

const [runsArg, ...managers] = process.argv.slice(2);
const results = [];
for (const manager of managers.length ? managers : ["postgresql", "mariadb"]) {
  results.push(await bench(manager, Number(runsArg ?? 5)));
}
console.log(JSON.stringify({ bench: "engine-provisioning", sizing: FLOOR_SIZING, results }, null, 2));
