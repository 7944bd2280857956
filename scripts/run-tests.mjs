#!/usr/bin/env node
// Builds, then runs every test file (unit tests beside the code, scenarios under test/) with
// Node's test runner, and ends with one line: "N passed, N failed".
// Usage: node scripts/run-tests.mjs [substring …]   (only files whose path contains a substring)
import { run } from "node:test";
import { spec } from "node:test/reporters";
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", root], {
  stdio: "inherit",
});

function testFiles(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(testFiles(path));
    else if (name.endsWith(".test.js")) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = ["src", "test"]
  .flatMap((d) => {
    try {
      return testFiles(join(root, "dist", d));
    } catch {
      return [];
    }
  })
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();

if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}

const concurrency = Number(process.env.COFFER_TEST_CONCURRENCY ?? 3);
let passed = 0;
let failed = 0;
let skipped = 0;
let todo = 0;
const stream = run({ files, concurrency, timeout: 10 * 60_000 });
stream.on("test:pass", (e) => {
  if (e.details?.type === "suite") return;
  if (e.todo) todo++;
  else if (e.skip) skipped++;
  else passed++;
});
stream.on("test:fail", (e) => {
  if (e.details?.type === "suite" && e.details?.error?.failureType === "subtestsFailed") return;
  failed++;
});
stream.compose(spec).pipe(process.stdout);
stream.on("end", () => {
  setImmediate(() => {
    const more = `${skipped ? `, ${skipped} skipped` : ""}${todo ? `, ${todo} todo` : ""}`;
    console.log(`\n${passed} passed, ${failed} failed${more}`);
    process.exitCode = failed > 0 ? 1 : 0;
  });
});
