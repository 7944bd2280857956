import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../src/lib/index.js";

/*
 * Set-up's package installation (scripts/apt.sh) on a machine where something else uses apt.
 * What cannot happen here on purpose is stood in for at that boundary, and named so: `apt-get` and
 * `dpkg` are stubs on PATH that fail as the network or a broken dpkg would; the lock another
 * package manager holds is a real kernel lock on a file of this test (held with flock(1)), which
 * set-up finds in /proc/locks as it finds dpkg's. Holding dpkg's own lock, and a real install, were
 * checked by hand (docs: README, Development).
 */

const script = new URL("../../scripts/apt.sh", import.meta.url).pathname;
let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "coffer-apt-"));
});
after(() => rm(dir, { recursive: true, force: true }));

/** An apt-get stub: the n-th call (from 1) prints and exits as `answers[n-1]` says (the last one repeats). */
async function stubs(name: string, answers: { out: string; code: number }[]): Promise<string> {
  const bin = join(dir, name);
  const cases = answers
    .map((a, i) => `${i + 1}) printf '%s\\n' ${JSON.stringify(a.out)}; exit ${a.code};;`)
    .join("\n  ");
  const last = answers.at(-1)!;
  await run("mkdir", ["-p", bin]);
  await writeFile(
    join(bin, "apt-get"),
    `#!/bin/bash\necho "$*" >> ${JSON.stringify(join(bin, "calls"))}\nn=$(wc -l < ${JSON.stringify(join(bin, "calls"))})\ncase $n in\n  ${cases}\n  *) printf '%s\\n' ${JSON.stringify(last.out)}; exit ${last.code};;\nesac\n`,
  );
  await writeFile(
    join(bin, "dpkg"),
    `#!/bin/bash\necho "dpkg $*" >> ${JSON.stringify(join(bin, "calls"))}\n`,
  );
  await chmod(join(bin, "apt-get"), 0o755);
  await chmod(join(bin, "dpkg"), 0o755);
  return bin;
}

function install(bin: string, lock: string, packages: string[]) {
  const body = `set -euo pipefail; source ${JSON.stringify(script)}; APT_LOCKS=(${JSON.stringify(lock)}); apt_install ${packages.join(" ")}`;
  // --norc: with its stdin a socket (as Node gives it), bash would read ~/.bashrc as if run by rshd.
  return run("bash", ["--norc", "-c", body], {
    env: { PATH: `${bin}:/usr/bin:/bin`, COFFER_APT_RETRY_DELAY: "1", COFFER_APT_WAIT: "60" },
    timeoutMs: 60_000,
  });
}
const calls = async (bin: string) => (await readFile(join(bin, "calls"), "utf8")).trim().split("\n");
const OK = { out: "", code: 0 };
// Not root, set-up runs `sudo apt-get`, which would find the real one.
const rootOnly = { skip: process.getuid?.() !== 0 && "needs root (set-up would use sudo)" };
const OFFLINE = {
  out: "E: Failed to fetch http://deb.debian.org/x  Temporary failure resolving 'deb.debian.org'",
  code: 100,
};

test(
  "another package manager holds the lock: set-up says so, waits for it, then installs",
  rootOnly,
  async () => {
    const bin = await stubs("waits", [OK]);
    const lock = join(dir, "lock-frontend");
    await writeFile(lock, "");
    const holder = spawn("flock", [lock, "sleep", "3"], { stdio: "ignore" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const began = Date.now();
    const result = await install(bin, lock, ["pkg-a"]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(Date.now() - began > 2000, "it waited for the holder");
    assert.match(
      result.stderr,
      new RegExp(`waiting for process ${holder.pid} \\(flock\\) to release ${lock}`),
    );
    assert.deepEqual(await calls(bin), [
      "-q -o DPkg::Lock::Timeout=60 update -qq",
      "-q -o DPkg::Lock::Timeout=60 install -y -qq --no-install-recommends pkg-a",
    ]);
  },
);

test("a failure that may pass is tried again; an interrupted dpkg is finished first", rootOnly, async () => {
  const interrupted = {
    out: "E: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem.",
    code: 100,
  };
  const bin = await stubs("retries", [OFFLINE, OK, interrupted, OK]);
  const result = await install(bin, join(dir, "free"), ["pkg-a", "pkg-b"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /apt-get update failed \(try 1 of 4: E: Failed to fetch .* Temporary failure resolving/,
  );
  assert.match(result.stderr, /running 'dpkg --configure -a' first/);
  assert.deepEqual(
    (await calls(bin)).map((c) => c.split(" ").find((w) => ["update", "install", "--configure"].includes(w))),
    ["update", "update", "install", "--configure", "install"],
  );
});

test(
  "it fails with one clear sentence: at once when retrying cannot help, else after the last try",
  rootOnly,
  async () => {
    const missing = await stubs("missing", [OK, { out: "E: Unable to locate package pkg-x", code: 100 }]);
    const once = await install(missing, join(dir, "free"), ["pkg-x"]);
    assert.equal(once.code, 1);
    assert.equal(
      once.stderr.trim(),
      [
        "setup: could not install pkg-x: apt-get install failed:",
        "  E: Unable to locate package pkg-x",
        "setup: install these packages by hand (apt-get install pkg-x), then run set-up again.",
      ].join("\n"),
    );
    const offline = await stubs("offline", [OFFLINE]);
    const tried = await install(offline, join(dir, "free"), ["pkg-y"]);
    assert.equal(tried.code, 1);
    assert.match(
      tried.stderr,
      /setup: could not install pkg-y: apt-get update failed 4 times:\n {2}E: Failed to fetch/,
    );
    assert.equal((await calls(offline)).length, 4);
  },
);
