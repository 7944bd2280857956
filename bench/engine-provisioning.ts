/**
 * How long an engine takes to become usable: from scratch (initdb / mariadb-install-db, then
 * start and secure) against a copy of a prepared template (copy, then start and secure).
 * Runs the two alternately so that a busy machine slows both alike; prints one JSON object.
 * Usage: node dist/bench/engine-provisioning.js [runs=5] [manager…]
 */
import { engineFor } from "../src/guestagent/engines/index.js";
import { createTestSite, launchEngine } from "../src/guestagent/engines/testing.js";
import type { Engine, EngineLayout } from "../src/guestagent/engines/index.js";

const ADMIN = { username: "os_admin", password: "bench-password" };
const SIZING = { ramMb: 128, vcpus: 1 };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (since: number): number => Math.round(performance.now() - since);

async function startAndSecure(
  engine: Engine,
  layout: EngineLayout,
): Promise<{ startMs: number; stop: () => Promise<void> }> {
  await engine.renderConfig(layout, SIZING);
  const began = performance.now();
  const proc = await launchEngine(engine.launchCommand(layout), layout.runAs, `${layout.logFile}.out`);
  await engine.secure(layout, ADMIN, 30_000);
  await engine.waitReady(layout, ADMIN, 30_000);
  return { startMs: ms(began), stop: () => proc.stop() };
}

async function bench(manager: string, runs: number): Promise<Record<string, unknown>> {
  const engine = engineFor(manager);
  const site = await createTestSite(engine);
  try {
    const template = { binDir: site.binDir, dataDir: `${site.root}/template`, runAs: site.runAs };
    await engine.prepareTemplate(template);
    const r = {
      initMs: [] as number[],
      copyMs: [] as number[],
      startMs: [] as number[],
      scratchMs: [] as number[],
      templateMs: [] as number[],
    };
    for (let i = 0; i < runs; i++) {
      const fresh = await site.layout(`fresh${i}`);
      let began = performance.now();
      await engine.initialize(fresh);
      r.initMs.push(ms(began));
      const a = await startAndSecure(engine, fresh);
      r.scratchMs.push(ms(began));
      await a.stop();

      const copy = await site.layout(`copy${i}`);
      began = performance.now();
      await engine.initializeFromTemplate(template.dataDir, copy);
      r.copyMs.push(ms(began));
      const b = await startAndSecure(engine, copy);
      r.templateMs.push(ms(began));
      r.startMs.push(a.startMs, b.startMs);
      await b.stop();
    }
    const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)]));
    return {
      manager,
      engine: engine.capabilities.name,
      runs,
      median: m,
      speedup: +(m.scratchMs! / m.templateMs!).toFixed(2),
      all: r,
    };
  } finally {
    await site.cleanup();
  }
}

const [runsArg, ...managers] = process.argv.slice(2);
const results = [];
for (const manager of managers.length ? managers : ["postgresql", "mariadb"]) {
  results.push(await bench(manager, Number(runsArg ?? 5)));
}
console.log(JSON.stringify({ bench: "engine-provisioning", sizing: SIZING, results }, null, 2));
