import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capabilitiesOf } from "./engines/index.js";
import { markLogs, startupProblems } from "./engine-log.js";

// Lines as MariaDB 10.11 and PostgreSQL 15 wrote them when their port was taken (seen on this host).
const MARIADB_BIND = [
  "2026-12-07 14:33:41 0 [Note] Server socket created on IP: '127.77.0.9', port: '3306'.",
  "2026-12-07 14:33:41 0 [ERROR] Can't start server: Bind on TCP/IP port. Got error: 98: Address already in use",
  "2026-12-07 14:33:41 0 [ERROR] Do you already have another server running on port: 3306 ?",
  "2026-12-07 14:33:41 0 [ERROR] Aborting",
];
const POSTGRESQL_BIND = [
  '2026-12-07 14:33:22.585 UTC [28598] LOG:  could not bind IPv4 address "127.77.0.9": Address already in use',
  "2026-12-07 14:33:22.585 UTC [28598] HINT:  Is another postmaster already running on port 5432? If not, wait a few seconds and retry.",
  '2026-12-07 14:33:22.585 UTC [28598] WARNING:  could not create listen socket for "127.77.0.9"',
  "2026-12-07 14:33:22.585 UTC [28598] FATAL:  could not create any TCP/IP sockets",
  "2026-12-07 14:33:22.592 UTC [28598] LOG:  database system is shut down",
];

test("each engine's reasons, in its own words, without the lines that say nothing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "coffer-engine-log-"));
  try {
    const log = join(dir, "engine.log");
    await writeFile(log, MARIADB_BIND.join("\n") + "\n");
    assert.deepEqual(await startupProblems(capabilitiesOf("mariadb").startupLog, [log]), [
      "Can't start server: Bind on TCP/IP port. Got error: 98: Address already in use",
      "Do you already have another server running on port: 3306 ?",
    ]);
    await writeFile(log, POSTGRESQL_BIND.join("\n") + "\n");
    assert.deepEqual(await startupProblems(capabilitiesOf("postgresql").startupLog, [log]), [
      'could not bind IPv4 address "127.77.0.9": Address already in use',
      'could not create listen socket for "127.77.0.9"',
      "could not create any TCP/IP sockets",
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("only what was written since the launch's marks: an old failure is not the new one's reason", async () => {
  const dir = await mkdtemp(join(tmpdir(), "coffer-engine-log-"));
  try {
    const [consoleLog, log] = [join(dir, "console.log"), join(dir, "engine.log")];
    await writeFile(log, MARIADB_BIND.join("\n") + "\n");
    const marks = await markLogs([consoleLog, log]);
    assert.deepEqual([...marks.values()][0], 0, "a file that does not exist yet starts at 0");
    const caps = capabilitiesOf("mariadb").startupLog;
    assert.deepEqual(await startupProblems(caps, [consoleLog, log], marks), []);
    await appendFile(consoleLog, "2026-12-07 14:40:00 0 [ERROR] mariadbd: unknown variable 'x=1'\n");
    await appendFile(log, "2026-12-07 14:40:00 0 [ERROR] Aborting\n");
    assert.deepEqual(await startupProblems(caps, [consoleLog, log], marks), [
      "mariadbd: unknown variable 'x=1'",
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
