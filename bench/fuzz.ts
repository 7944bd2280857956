/**
 * The long run of the route fuzzer (the CI run is test/route-fuzz.test.ts): `npm run bench:fuzz --
 * [--requests N] [--seed N] [--minutes N] [--only "POST /v1.0/{projectId}/configurations"] [--out FILE]`. Same fixture and properties, more
 * requests, a random seed unless one is given (the report names it, so a finding can be replayed
 * with `--seed`). Prints the report as JSON on stdout, progress on stderr; exits 1 on a finding.
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { fuzzRoutes } from "../test/support/fuzz/fuzz.js";
import { openFuzzFixture } from "../test/support/fuzz/fixture.js";
import { replayRegressions } from "../test/support/fuzz/regressions.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "50000" },
    seed: { type: "string" },
    minutes: { type: "string", default: "30" },
    out: { type: "string" },
    only: { type: "string" },
  },
});
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const log = (line: string) => process.stderr.write(line + "\n");

const fx = await openFuzzFixture();
try {
  const regressions = await replayRegressions(fx.target);
  const report = await fuzzRoutes(fx.target, {
    seed,
    requests: Number(values.requests),
    timeBudgetMs: Number(values.minutes) * 60_000,
    log,
    ...(values.only ? { only: values.only } : {}),
  });
  const out = JSON.stringify({ bench: "route-fuzz", regressions, ...report }, null, 2);
  process.stdout.write(out + "\n");
  if (values.out) await writeFile(values.out, out);
  log(
    `${report.requests} requests over ${report.operations} operations × ${report.callers} callers in ${Math.round(report.durationMs / 1000)} s (seed ${seed}): ` +
      `${report.serverErrors} 5xx, ${report.stateChangesOn4xx} state changes on 4xx, ${report.findings.length} findings`,
  );
  if (report.findings.length > 0 || regressions.failed.length > 0) process.exitCode = 1;
} finally {
  await fx.close();
}
