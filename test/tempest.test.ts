import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCoffer, type CofferServer } from "./support/coffer-server.js";
import { judge, readExpected, reasonOf, runTempest, summary } from "./support/tempest.js";

/*
 * Upstream Trove's own scenario tests — Debian's trove-tempest-plugin, run by tempest with
 * dynamic credentials through Coffer's Keystone — against a Coffer started with no options beyond
 * what keeps it apart from other tests (data dir, port, instance addresses, compute dir, cgroup).
 * Each tempest test is a subtest here. The tests that need what Coffer does not have yet are
 * listed, with why, in tempest-expected-failures.json: they show as TODO while they fail; one that
 * passes fails here until it is taken off the list, and so does any other failure.
 */

const expectedFile = new URL("../../test/tempest-expected-failures.json", import.meta.url).pathname;
const PREFIX = "trove_tempest_plugin.tests.scenario.";

let server: CofferServer | undefined;
let dir = "";
after(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("trove-tempest-plugin's scenario tests for mysql, mariadb and postgresql", async (t) => {
  dir = await mkdtemp(join(tmpdir(), "coffer-tempest-"));
  server = await startCoffer({ defaults: true });
  // Inside the suite's 10 minutes per file, with room to report what did finish.
  const run = await runTempest(server, join(dir, "tempest"), { concurrency: 3, timeoutMs: 8 * 60_000 });
  const { verdicts, unknown } = judge(run, await readExpected(expectedFile));
  for (const v of verdicts) {
    const name = v.test.id.slice(PREFIX.length);
    const { outcome, detail } = v.test;
    if (outcome === "skipped") {
      await t.test(name, { skip: detail || "skipped by tempest" }, () => undefined);
    } else if (v.expectedFailure !== undefined && outcome === "failed") {
      // Reported as TODO with why it is expected and how it failed; it does not fail the suite.
      const todo = `expected to fail: ${v.expectedFailure} — failed with: ${reasonOf(detail)}`;
      await t.test(name, { todo }, () => undefined);
    } else if (v.expectedFailure !== undefined) {
      await t.test(name, () => {
        assert.fail(`now passes: take it off ${expectedFile} (listed as: ${v.expectedFailure})`);
      });
    } else {
      await t.test(name, () => {
        if (outcome === "failed") assert.fail(`${reasonOf(detail)}\n\n${detail}`);
      });
    }
  }
  const line = `tempest: ${summary(verdicts)} in ${run.seconds} s`;
  t.diagnostic(line);
  console.log(line);
  assert.deepEqual(unknown, [], `listed in ${expectedFile} but no such test ran`);
});
