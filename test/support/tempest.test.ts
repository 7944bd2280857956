import { test } from "node:test";
import assert from "node:assert/strict";
import { judge, parseResults, parseTestList, reasonOf, summary } from "./tempest.js";

// The reading of tempest's report, on excerpts of real ones (the run itself is test/tempest.test.ts).

const P = "trove_tempest_plugin.tests.scenario";
const listing = `
${P}.test_instance_basic.TestInstanceBasicMySQL.test_configuration[id-ce8277b0-af7c-11ea-b87c-00224d6b7bc1]
${P}.test_instance_basic.TestInstanceBasicMySQL.test_database_access[id-40cf38ce-cfbf-11e9-8760-1458d058cfb2]
${P}.test_backup.TestBackupMySQL.test_backup_full[id-b90626ae-f412-11ea-a950-00224d6b7bc1]
${P}.test_backup.TestBackupMySQL.test_backup_incremental[id-f8f985c2-ae02-11ea-b87c-00224d6b7bc1]
${P}.test_instance_actions.TestInstanceActionsMySQL.test_rebuild[id-8d4d675c-d829-11ea-b87c-00224d6b7bc1]
`;
const report = `
{0} ${P}.test_instance_basic.TestInstanceBasicMySQL.test_configuration [0.815366s] ... ok
{1} setUpClass (${P}.test_backup.TestBackupMySQL) [0.000000s] ... FAILED
{0} ${P}.test_instance_basic.TestInstanceBasicMySQL.test_database_access [0.043111s] ... FAILED
{2} ${P}.test_instance_actions.TestInstanceActionsMySQL.test_rebuild [0.000000s] ... SKIPPED: Image for rebuild not configured.

==============================
Failed 2 tests - output below:
==============================

setUpClass (${P}.test_backup.TestBackupMySQL)
----------------------------------------------

Captured traceback:
~~~~~~~~~~~~~~~~~~~
    Traceback (most recent call last):
    tempest.lib.exceptions.NotFound: Object not found
Details: {'code': 404, 'message': 'The resource could not be found: POST /v1.0/p/backups.'}


${P}.test_instance_basic.TestInstanceBasicMySQL.test_database_access
--------------------------------------------------------------------

Captured traceback:
~~~~~~~~~~~~~~~~~~~
    AssertionError: 'test_db' not found in []


======
Totals
======
Ran: 4 tests in 10.0512 sec.
`;

test("tempest's report: per test, a failed class set-up fails each of its tests, details kept", () => {
  const listed = parseTestList(listing);
  assert.equal(listed.length, 5);
  assert.ok(listed.every((id) => !id.includes("[")));
  const results = parseResults(report, listed);
  const by = Object.fromEntries(results.map((r) => [r.id.slice(P.length + 1), r]));
  assert.equal(by["test_instance_basic.TestInstanceBasicMySQL.test_configuration"]!.outcome, "passed");
  const access = by["test_instance_basic.TestInstanceBasicMySQL.test_database_access"]!;
  assert.equal(access.outcome, "failed");
  assert.equal(reasonOf(access.detail), "AssertionError: 'test_db' not found in []");
  for (const t of ["test_backup_full", "test_backup_incremental"]) {
    const r = by[`test_backup.TestBackupMySQL.${t}`]!;
    assert.equal(r.outcome, "failed");
    assert.match(reasonOf(r.detail), /^Details: .*POST \/v1.0\/p\/backups/);
  }
  const rebuild = by["test_instance_actions.TestInstanceActionsMySQL.test_rebuild"]!;
  assert.deepEqual([rebuild.outcome, rebuild.detail], ["skipped", "Image for rebuild not configured."]);
  assert.equal(parseResults("", listed)[0]!.outcome, "failed", "no report: no test counts as passed");
});

test("judged against the list: listed failures expected, a listed pass and an unknown name are not", () => {
  const results = parseResults(report, parseTestList(listing));
  const run = { results, logs: [], seconds: 1 };
  const { verdicts, unknown } = judge(run, {
    failures: {
      [`${P}.test_backup.TestBackupMySQL.test_backup_full`]: "needs backups",
      [`${P}.test_backup.TestBackupMySQL.test_backup_incremental`]: "needs backups",
      [`${P}.test_instance_basic.TestInstanceBasicMySQL.test_configuration`]: "was broken",
      [`${P}.test_gone.TestGone.test_gone`]: "renamed",
    },
  });
  const wrong = verdicts.filter((v) => !v.asExpected).map((v) => v.test.id.slice(P.length + 1));
  assert.deepEqual(wrong.sort(), [
    "test_instance_basic.TestInstanceBasicMySQL.test_configuration",
    "test_instance_basic.TestInstanceBasicMySQL.test_database_access",
  ]);
  assert.deepEqual(unknown, [`${P}.test_gone.TestGone.test_gone`]);
  assert.equal(summary(verdicts), "1 passed, 3 failed (2 of them expected, 1 not), 1 skipped");
});
