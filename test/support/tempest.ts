import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runChecked } from "../../src/lib/index.js";
import { adminSession, type CofferServer } from "./coffer-server.js";

/**
 * Upstream Trove's own scenario tests (Debian's trove-tempest-plugin, run by tempest) against a
 * Coffer: tempest logs in through Coffer's Keystone with the admin's credentials and makes its own
 * projects and users for each test class (dynamic credentials), then drives Coffer's Trove API and
 * connects to the instances with psycopg2 and pymysql.
 *
 * One tempest run per datastore, all at once: the plugin takes one `rebuild_image_id` for all
 * datastores, and an image here is a version's engine binaries, which differ per engine. Test
 * classes of a run go to parallel workers (`--concurrency`); each class shares one instance among
 * its tests, so tempest cannot split a class.
 */

export const DATASTORES = ["mysql", "mariadb", "postgresql"] as const;
export type Datastore = (typeof DATASTORES)[number];

export type Outcome = "passed" | "failed" | "skipped";

export interface TestResult {
  /** The test's id without tempest's `[id-…]` tags, e.g. `…TestInstanceBasicMySQL.test_configuration`. */
  id: string;
  outcome: Outcome;
  /** Why it failed (traceback and tempest's details) or was skipped; empty when it passed. */
  detail: string;
}

export interface TempestRun {
  results: TestResult[];
  /** Where tempest's own output and logs are, per datastore. */
  logs: string[];
  seconds: number;
}

const PLUGIN_TESTS = "trove_tempest_plugin.tests.scenario";

/** The clients are Debian's: the system python must come first on PATH, with a HOME of their own. */
function pythonEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: "/usr/bin:/bin:/usr/sbin:/sbin", HOME: home, LANG: "C.UTF-8" };
}

/** The test classes of one datastore: their names end with it (TestInstanceBasicMySQL). */
function regexFor(datastore: Datastore): string {
  const suffix = { mysql: "MySQL", mariadb: "MariaDB", postgresql: "PostgreSQL" }[datastore];
  return `^${PLUGIN_TESTS.replace(/\./g, "\\.")}\\.\\w+\\.Test\\w*${suffix}\\.`;
}

interface Version {
  id: string;
  name: string;
  version: string;
  datastore_name: string;
  datastore_manager: string;
  image: string;
  default: boolean;
}

/**
 * What the runs need from the server, set up as an operator would (upstream's CI registers the
 * versions it tests the same way): the datastore's default version stays the one Coffer
 * registered at its first start (e.g. "10.11", engine 10.11.19), and a second version of the same
 * engine is registered under the engine's full version ("10.11.19", the same binaries). Instances
 * are made with the latter; test_instance_upgrade makes one with the former and upgrades it, then
 * checks the engine reports the version's name.
 */
async function prepareCatalog(
  server: CofferServer,
): Promise<Map<Datastore, { current: Version; older: Version }>> {
  const openstack = async (args: string[]) =>
    (await runChecked("openstack", args, { env: server.env, timeoutMs: 120_000 })).stdout;
  const mgmt = async (): Promise<Version[]> => {
    const { token, base } = await adminSession(server);
    const res = await fetch(`${base}/mgmt/datastore-versions`, { headers: { "x-auth-token": token } });
    if (!res.ok) throw new Error(`GET mgmt/datastore-versions: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { versions: Version[] }).versions;
  };
  const out = new Map<Datastore, { current: Version; older: Version }>();
  for (const datastore of DATASTORES) {
    const older = (await mgmt()).find((v) => v.datastore_name === datastore && v.default);
    if (!older) throw new Error(`no default version of ${datastore}: is its engine installed?`);
    if (older.name !== older.version) {
      await openstack([
        "datastore",
        "version",
        "create",
        older.version,
        datastore,
        older.datastore_manager,
        older.image,
        "--active",
        "--version-number",
        older.version,
      ]);
    }
    const current = (await mgmt()).find((v) => v.datastore_name === datastore && v.name === older.version);
    if (!current) throw new Error(`version ${older.version} of ${datastore} was not registered`);
    out.set(datastore, { current, older });
  }
  return out;
}

/** The two cheapest flavors: one to create with, one to resize to. */
async function cheapestFlavors(server: CofferServer): Promise<[string, string]> {
  const out = (
    await runChecked("openstack", ["database", "flavor", "list", "-f", "json"], { env: server.env })
  ).stdout;
  const flavors = (JSON.parse(out) as { ID: string | number; RAM: number }[]).sort((a, b) => a.RAM - b.RAM);
  if (flavors.length < 2) throw new Error("fewer than two flavors");
  return [String(flavors[0]!.ID), String(flavors[1]!.ID)];
}

/** tempest.conf for one datastore's run. */
export function tempestConfig(o: {
  dir: string;
  server: CofferServer;
  datastore: Datastore;
  current: string;
  older: string;
  image: string;
  flavor: string;
  resizeFlavor: string;
}): string {
  const env = o.server.env;
  return `[DEFAULT]
log_dir = ${join(o.dir, "logs")}
log_file = tempest.log

[auth]
use_dynamic_credentials = true
admin_username = ${env.OS_USERNAME}
admin_password = ${env.OS_PASSWORD}
admin_project_name = ${env.OS_PROJECT_NAME}
admin_domain_name = Default
create_isolated_networks = false

[identity]
uri_v3 = ${o.server.url}/v3
auth_version = v3
region = RegionOne

[identity-feature-enabled]
api_v2 = false

[service_available]
trove = true
neutron = false
nova = false
swift = false
cinder = false
glance = false

[database]
enabled_datastores = ${o.datastore}
default_datastore_versions = ${o.datastore}:${o.current}
pre_upgrade_datastore_versions = ${o.datastore}:${o.older}
rebuild_image_id = ${o.image}
flavor_id = ${o.flavor}
resize_flavor_id = ${o.resizeFlavor}
# A network id Coffer is given and ignores (its instances each have their own address); a UUID
# keeps the plugin from looking the network up in Neutron.
shared_network = 3f2a9d1e-5b7c-4e8a-9c0d-1e2f3a4b5c6d
# Backups (when Coffer has them) go to its own store; there is no Swift account to remove.
remove_swift_account = false
database_build_timeout = 600
database_restore_timeout = 600
backup_wait_timeout = 600
`;
}

/**
 * tempest run, in its own process group so that a timeout stops its workers too. Resolves its
 * output (also written to `logFile`).
 */
function tempest(args: string[], dir: string, logFile: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/tempest", args, {
      cwd: dir,
      env: pythonEnv(dir),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const log = createWriteStream(logFile);
    let output = "";
    const take = (d: Buffer) => {
      output += d.toString();
      log.write(d);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const timer = setTimeout(() => {
      output += `\n(timed out after ${Math.round(timeoutMs / 1000)} s)\n`;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", () => {
      clearTimeout(timer);
      log.end(() => resolve(output));
    });
  });
}

/** Test ids as listed (`…test_x[id-…,smoke]`), without their tags. */
export function parseTestList(output: string): string[] {
  return output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`${PLUGIN_TESTS}.`))
    .map((l) => l.replace(/\[.*\]$/, ""));
}

/**
 * Per-test outcomes from tempest's (subunit-trace's) report. A class whose set-up failed reports
 * one `setUpClass (Class)` failure: each of its tests failed with that detail.
 */
export function parseResults(output: string, listed: readonly string[]): TestResult[] {
  const outcome = new Map<string, { outcome: Outcome; detail: string }>();
  const classFailed = new Map<string, string>();
  const line =
    /^\{\d+\} (setUpClass \((\S+)\)|(\S+?)(?:\[[^\]]*\])?) \[[\d.]+s\] \.\.\. (ok|FAILED|SKIPPED:?\s*(.*))$/;
  for (const l of output.split("\n")) {
    const m = line.exec(l.trim());
    if (!m) continue;
    const [, , setupClass, test, result, skipReason] = m;
    if (setupClass) {
      classFailed.set(setupClass, "");
      continue;
    }
    const o: Outcome = result === "ok" ? "passed" : result === "FAILED" ? "failed" : "skipped";
    outcome.set(test!, { outcome: o, detail: o === "skipped" ? (skipReason ?? "") : "" });
  }
  for (const [name, detail] of failureDetails(output)) {
    const setup = /^setUpClass \((\S+)\)$/.exec(name);
    if (setup) classFailed.set(setup[1]!, detail);
    else {
      const known = outcome.get(name);
      if (known) known.detail = detail;
    }
  }
  return listed.map((id) => {
    const found = outcome.get(id);
    if (found) return { id, ...found };
    const cls = id.slice(0, id.lastIndexOf("."));
    if (classFailed.has(cls)) {
      return { id, outcome: "failed", detail: `the class's set-up failed:\n${classFailed.get(cls)}` };
    }
    return {
      id,
      outcome: "failed",
      detail: "tempest reported no result for this test (did the run end early?)",
    };
  });
}

/** The "Failed N tests - output below:" section: each test's name, a dashed line, its output. */
function failureDetails(output: string): Map<string, string> {
  const details = new Map<string, string>();
  const start = output.indexOf("output below:");
  if (start < 0) return details;
  const lines = output.slice(start).split("\n").slice(1);
  let name: string | undefined;
  let body: string[] = [];
  const flush = () => {
    if (name) details.set(name.replace(/\[[^\]]*\]$/, ""), body.join("\n").trim());
  };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const next = lines[i + 1] ?? "";
    if (/^-{5,}$/.test(next) && l.trim() !== "" && !l.startsWith(" ")) {
      flush();
      name = l.trim();
      body = [];
      i++;
      continue;
    }
    if (/^={5,}$/.test(l) && /^Totals/.test(next)) break;
    body.push(l);
  }
  flush();
  return details;
}

/** The last "Details: …" line of a failure, or its last non-empty line: one line for the report. */
export function reasonOf(detail: string): string {
  const lines = detail.split("\n").map((l) => l.trim());
  const details = lines.filter((l) => l.startsWith("Details:")).pop();
  return (details ?? lines.filter(Boolean).pop() ?? "").slice(0, 300);
}

/** Runs the plugin's scenario tests for every datastore against `server`; tempest's files go under `dir`. */
export async function runTempest(
  server: CofferServer,
  dir: string,
  options: { concurrency?: number; timeoutMs?: number } = {},
): Promise<TempestRun> {
  const started = Date.now();
  const catalog = await prepareCatalog(server);
  const [flavor, resizeFlavor] = await cheapestFlavors(server);
  const runs = await Promise.all(
    DATASTORES.map(async (datastore) => {
      const { current, older } = catalog.get(datastore)!;
      const ws = join(dir, datastore);
      await mkdir(join(ws, "etc"), { recursive: true });
      await mkdir(join(ws, "logs"), { recursive: true });
      // What `tempest init` writes; the run finds the plugin's tests through tempest's discovery.
      await writeFile(
        join(ws, ".stestr.conf"),
        "[DEFAULT]\ntest_path=/usr/lib/python3/dist-packages/tempest/test_discover\n" +
          "top_dir=/usr/lib/python3/dist-packages/tempest\ngroup_regex=([^\\.]*\\.)*\n",
      );
      await runChecked("/usr/bin/stestr", ["init"], { cwd: ws, env: pythonEnv(ws), timeoutMs: 60_000 });
      const conf = join(ws, "etc", "tempest.conf");
      await writeFile(
        conf,
        tempestConfig({
          dir: ws,
          server,
          datastore,
          current: current.name,
          older: older.name,
          image: current.image,
          flavor,
          resizeFlavor,
        }),
        { mode: 0o600 },
      );
      const base = ["run", "--config-file", conf, "--regex", regexFor(datastore)];
      const timeoutMs = options.timeoutMs ?? 20 * 60_000;
      const listing = await tempest([...base, "--list-tests"], ws, join(ws, "list.log"), 120_000);
      const listed = parseTestList(listing);
      if (listed.length === 0) throw new Error(`tempest listed no ${datastore} tests:\n${listing}`);
      const log = join(ws, "tempest-run.log");
      const concurrency = String(options.concurrency ?? 3);
      const output = await tempest([...base, "--concurrency", concurrency], ws, log, timeoutMs);
      return { results: parseResults(output, listed), log };
    }),
  );
  return {
    results: runs.flatMap((r) => r.results).sort((a, b) => (a.id < b.id ? -1 : 1)),
    logs: runs.map((r) => r.log),
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

export interface Expected {
  /** Test id → why it is expected to fail (what it needs that Coffer does not have yet). */
  failures: Record<string, string>;
}

export async function readExpected(path: string): Promise<Expected> {
  return { failures: JSON.parse(await readFile(path, "utf8")) as Record<string, string> };
}

export interface Verdict {
  test: TestResult;
  /** Whether this result is what the list says: passes unless listed, listed ones fail. */
  asExpected: boolean;
  /** The list's reason, for a listed test. */
  expectedFailure?: string;
}

/** Each result against the list; plus the list's entries no test answers to (a renamed test). */
export function judge(run: TempestRun, expected: Expected): { verdicts: Verdict[]; unknown: string[] } {
  const verdicts = run.results.map((test): Verdict => {
    const reason = expected.failures[test.id];
    if (reason === undefined) return { test, asExpected: test.outcome !== "failed" };
    return { test, asExpected: test.outcome === "failed", expectedFailure: reason };
  });
  const ids = new Set(run.results.map((r) => r.id));
  return { verdicts, unknown: Object.keys(expected.failures).filter((id) => !ids.has(id)) };
}

/** Tempest's own count, in the suite's words: "N passed, N failed" (+ how many failures were expected). */
export function summary(verdicts: readonly Verdict[]): string {
  const count = (f: (v: Verdict) => boolean) => verdicts.filter(f).length;
  const passed = count((v) => v.test.outcome === "passed");
  const failed = count((v) => v.test.outcome === "failed");
  const skipped = count((v) => v.test.outcome === "skipped");
  const expected = count((v) => v.test.outcome === "failed" && v.expectedFailure !== undefined);
  return (
    `${passed} passed, ${failed} failed` +
    ` (${expected} of them expected, ${failed - expected} not)` +
    (skipped ? `, ${skipped} skipped` : "")
  );
}
