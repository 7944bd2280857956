import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { UnavailableError, UpstreamError } from "../domain/index.js";
import { createLogger } from "../lib/index.js";
import { waitForDependency } from "./wait.js";

function capture() {
  const lines: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { log: createLogger({ level: "info", destination }), lines };
}

test("a dependency that is not up yet is waited for, visibly, and the wait ends when it answers", async () => {
  const { log, lines } = capture();
  let calls = 0;
  const value = await waitForDependency(
    "the infrastructure database (postgresql://db:5432/coffer)",
    async () => {
      if (++calls < 4) throw new UnavailableError("STORE_UNAVAILABLE", "connect ECONNREFUSED");
      return "up";
    },
    { deadline: Date.now() + 5000, log, intervalMs: 10, reportEveryMs: 25 },
  );
  assert.equal(value, "up");
  assert.equal(calls, 4);
  const waiting = lines.filter((l) => l.msg.startsWith("waiting for the infrastructure database"));
  assert.ok(waiting.length >= 1, JSON.stringify(lines));
  assert.ok(
    waiting.every((l) => l.level === 40),
    "the wait is said at warn level",
  );
  assert.match(lines.at(-1)?.msg ?? "", /is up; starting/);
});

test("what waiting cannot fix fails at once; a dependency that never comes fails at the deadline", async () => {
  const { log } = capture();
  let calls = 0;
  await assert.rejects(
    waitForDependency(
      "the infrastructure database",
      async () => {
        calls++;
        throw new UpstreamError("STORE_ERROR", "password authentication failed");
      },
      { deadline: Date.now() + 5000, log, intervalMs: 10 },
    ),
    { code: "STORE_ERROR" },
  );
  assert.equal(calls, 1);
  const started = Date.now();
  await assert.rejects(
    waitForDependency(
      "the message bus",
      async () => {
        throw new UnavailableError("BUS_DISCONNECTED", "cannot connect to RabbitMQ");
      },
      { deadline: Date.now() + 200, log, intervalMs: 20 },
    ),
    (err: Error & { code?: string; retryable?: boolean }) => {
      assert.equal(err.code, "STARTUP_WAIT_EXPIRED");
      assert.equal(err.retryable, false);
      assert.match(err.message, /waiting for the message bus: cannot connect to RabbitMQ/);
      return true;
    },
  );
  assert.ok(Date.now() - started >= 190);
});
