/** The short human summary of a benchmark report (the JSON holds every figure). */
import type { BenchReport } from "./run.js";

const ms = (n: number) => `${Math.round(n)} ms`;

export function summary(r: BenchReport): string {
  const lines = [
    `Coffer benchmark — ${r.startedAt}, ${String(r.machine.cpus)} cores, load ${JSON.stringify(r.machine.loadAverageAtStart)}`,
  ];
  if (r.provisioning.length) {
    lines.push(
      "",
      "Provisioning: POST → first query by the new user (p50 / p90), floor = template copy + start, no Coffer",
    );
    for (const p of r.provisioning) {
      const c = p.coffer;
      lines.push(
        `  ${p.manager.padEnd(10)} ${p.mode.padEnd(6)} first query ${ms(c.firstQueryMs.p50)} / ${ms(c.firstQueryMs.p90)}` +
          `  ACTIVE ${ms(c.activeMs.p50)} / ${ms(c.activeMs.p90)}  floor ${ms(p.floor.totalMs.p50)}  ratio ${p.ratio}×  (n=${c.firstQueryMs.n})`,
      );
    }
  }
  if (r.api) {
    lines.push(
      "",
      `API throughput (${r.api.instancesInProject} instances in the project, one token; floor = bare Fastify, same bytes)`,
    );
    for (const a of r.api.routes) {
      lines.push(
        `  ${a.route.padEnd(32)} c=${String(a.concurrency).padEnd(2)} ${String(a.coffer.requestsPerSecond).padStart(6)} req/s` +
          `  p50 ${a.coffer.p50Ms} ms  p99 ${a.coffer.p99Ms} ms  floor ${a.floor.requestsPerSecond} req/s  ratio ${a.ratio}`,
      );
    }
  }
  if (r.density) {
    const d = r.density;
    lines.push(
      "",
      `Density: ${d.instances} idle ${d.manager} c1.nano instances`,
      `  Coffer ${d.coffer.cpuPercentOfOneCore} % of one core, ${d.coffer.rssMb} MB RSS; engines ${d.engines.cpuPercentOfOneCore} % of one core` +
        `; host memory ${d.hostMemoryPerInstanceMb} MB per instance (cgroup: ${d.engines.memoryPerInstanceMb ?? "?"} MB)`,
    );
  }
  return lines.join("\n");
}
