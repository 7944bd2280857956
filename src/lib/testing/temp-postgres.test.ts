import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import pg from "pg";
import { startTempPostgres } from "./temp-postgres.js";

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

test("startTempPostgres runs a private server that stop() removes", async () => {
  const server = await startTempPostgres();
  const dir = /coffer-pg-/;
  let dataDir = "";
  try {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ dir: string; fsync: string; addr: string }>(
        "select current_setting('data_directory') as dir, current_setting('fsync') as fsync, " +
          "current_setting('listen_addresses') as addr",
      );
      dataDir = rows[0]!.dir;
      assert.match(dataDir, dir);
      assert.equal(rows[0]!.fsync, "off");
      assert.equal(rows[0]!.addr, "127.0.0.1");
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
  assert.equal(existsSync(dataDir), false, "the temp dir is removed");
  assert.equal(await canConnect(server.port), false, "nothing listens any more");
  await server.stop(); // idempotent
});

test("a deferred server starts on demand; halt() and start() are an outage that keeps the data", async () => {
  const server = await startTempPostgres({ deferStart: true });
  try {
    assert.equal(await canConnect(server.port), false, "deferred: not started yet");
    await server.start();
    const query = async (sql: string) => {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        return (await client.query<{ v: string }>(sql)).rows;
      } finally {
        await client.end();
      }
    };
    await query("create table kept (v text); insert into kept values ('still here')");
    await server.halt();
    assert.equal(await canConnect(server.port), false, "halted: nothing listens");
    await server.start();
    assert.deepEqual(await query("select v from kept"), [{ v: "still here" }]);
  } finally {
    await server.stop();
  }
});
