import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { parseMountInfo } from "./mounts.js";
import { isAlive, type PidRecord } from "./processes.js";
import { parseProcStat, readBootId, readProcStat } from "./proc.js";

test("/proc/<pid>/stat is parsed even when the command name holds spaces and parentheses", () => {
  const fromField6 = Array.from({ length: 47 }, (_, i) => String(i + 6)); // field N holds N
  const stat = parseProcStat(`4242 (a) b (c)) S 1 4242 ${fromField6.join(" ")}\n`);
  assert.equal(stat.pid, 4242);
  assert.equal(stat.state, "S");
  assert.equal(stat.ppid, 1);
  assert.equal(stat.pgrp, 4242);
  assert.equal(stat.startTime, 22);
});

test("a pid record names its process, not a later one with the same pid", async () => {
  const own = (await readProcStat(process.pid))!;
  const record: PidRecord = {
    pid: process.pid,
    startTime: own.startTime,
    bootId: await readBootId(),
    stopSignal: "SIGTERM",
    file: process.execPath,
    launchedAt: new Date().toISOString(),
  };
  assert.equal(await isAlive(record), true);
  // Same pid, but the recorded process started at another tick: a reused pid.
  assert.equal(await isAlive({ ...record, startTime: own.startTime - 1 }), false);
  // Recorded in an earlier boot.
  assert.equal(await isAlive({ ...record, bootId: "00000000-0000-0000-0000-000000000000" }), false);
});

test("an ended process is not alive", async () => {
  const child = spawn("/bin/sleep", ["5"]);
  await once(child, "spawn");
  const stat = (await readProcStat(child.pid!))!;
  const record: PidRecord = {
    pid: child.pid!,
    startTime: stat.startTime,
    bootId: await readBootId(),
    stopSignal: "SIGTERM",
    file: "/bin/sleep",
    launchedAt: "",
  };
  assert.equal(await isAlive(record), true);
  child.kill("SIGKILL");
  await once(child, "exit");
  assert.equal(await isAlive(record), false);
});

test("mountinfo escapes are decoded", () => {
  const line =
    "36 35 7:3 / /tmp/with\\040space rw,noatime shared:1 - ext4 /dev/loop3 rw\n" +
    "37 35 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
  const [a, b] = parseMountInfo(line);
  assert.deepEqual(a, {
    mountPoint: "/tmp/with space",
    fsType: "ext4",
    source: "/dev/loop3",
    superOptions: "rw",
  });
  assert.equal(b?.superOptions, "rw,memory");
});
