/**
 * Coffer's benchmark harness: `npm run bench [-- options]`. Prints one JSON document on stdout
 * (machine-readable; `--out file` also writes it there) and a short human summary on stderr.
 * Every figure is reported beside its floor, measured in the same run (docs/performance.md).
 *
 *   --runs N          creates per engine and mode (default 20)
 *   --engines a,b     datastore types (default postgresql,mariadb)
 *   --only s1,s2      sections: provisioning, pooled, api, density (default all but density)
 *   --density         also run the density section (200 idle c1.nano instances; takes minutes)
 *   --density-count N instances for the density section (default 200)
 *   --api-seconds N   seconds per API throughput measurement (default 5)
 *   --out FILE        also write the JSON there
 */
import { writeFile } from "node:fs/promises";
import { cpus, freemem, hostname, loadavg, release, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { createFloorSite, type FloorSite } from "./lib/floors.js";
import { startBenchServer } from "./lib/server.js";
import { benchProvisioning, type ProvisioningResult } from "./provisioning.js";
import { benchApi, type ApiResult } from "./api-throughput.js";
import { benchDensity, type DensityResult } from "./density.js";
import { poolArgs, waitForPool } from "./pooled.js";
import { summary } from "./summary.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "20" },
    engines: { type: "string", default: "postgresql,mariadb" },
    only: { type: "string" },
    density: { type: "boolean", default: false },
    "density-count": { type: "string", default: "200" },
    "api-seconds": { type: "string", default: "5" },
    out: { type: "string" },
  },
});
const runs = Number(values.runs);
const engines = values.engines.split(",").filter(Boolean);
const sections = new Set(
  values.only
    ? values.only.split(",")
    : ["provisioning", "pooled", "api", ...(values.density ? ["density"] : [])],
);
const log = (line: string) => process.stderr.write(line + "\n");

export interface BenchReport {
  bench: "coffer";
  startedAt: string;
  machine: Record<string, unknown>;
  provisioning: ProvisioningResult[];
  api?: ApiResult;
  density?: DensityResult;
}

const report: BenchReport = {
  bench: "coffer",
  startedAt: new Date().toISOString(),
  machine: {
    hostname: hostname(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryMb: Math.round(totalmem() / 2 ** 20),
    freeMemoryMb: Math.round(freemem() / 2 ** 20),
    kernel: release(),
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  },
  provisioning: [],
};

const floors = new Map<string, FloorSite>();
try {
  for (const manager of engines) floors.set(manager, await createFloorSite(manager));

  if (sections.has("provisioning") || sections.has("api") || sections.has("density")) {
    log("cold server: starting");
    const cold = await startBenchServer();
    try {
      if (sections.has("provisioning")) {
        for (const manager of engines) {
          log(`provisioning, cold: ${manager}`);
          const floor = floors.get(manager)!;
          report.provisioning.push(
            await benchProvisioning({ api: cold.api, manager, floor, runs, mode: "cold", log }),
          );
        }
      }
      if (sections.has("api")) {
        log("API throughput");
        report.api = await benchApi(cold, { seconds: Number(values["api-seconds"]), log });
      }
      if (sections.has("density")) {
        log("density");
        report.density = await benchDensity(cold, { count: Number(values["density-count"]), log });
      }
    } finally {
      await cold.close();
    }
  }

  if (sections.has("pooled")) {
    log("pooled server: starting");
    const pooled = await startBenchServer(poolArgs(engines));
    try {
      for (const manager of engines) {
        log(`provisioning, pooled: ${manager}`);
        report.provisioning.push(
          await benchProvisioning({
            api: pooled.api,
            manager,
            floor: floors.get(manager),
            runs,
            mode: "pooled",
            between: () => waitForPool(pooled, manager),
            log,
          }),
        );
      }
    } finally {
      await pooled.close();
    }
  }
} finally {
  for (const site of floors.values()) await site.close();
}

report.machine.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
const json = JSON.stringify(report, null, 2);
console.log(json);
if (values.out) await writeFile(values.out, json + "\n");
log("");
log(summary(report));
