import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { createLogger, prettyFor, type LogFormat } from "./logger.js";

function capture(): { stream: Writable; lines: () => string } {
  let out = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { stream, lines: () => out };
}

const SECRETS = {
  password: "p0",
  body: { auth: { identity: { password: { user: { password: "p1" } } } } },
  req: { headers: { "x-auth-token": "t1", authorization: "Basic xyz" } },
  instance: { users: [{ name: "u", password: "p2" }] },
  token: "t2",
};

for (const format of ["json", "pretty"] as const) {
  test(`secrets are redacted at any usual depth (${format})`, () => {
    const { stream, lines } = capture();
    const log = createLogger({ destination: stream, format, colorize: false });
    log.info(SECRETS, "hello");
    const text = lines();
    assert.match(text, /hello/);
    for (const secret of ["p0", "p2", "t1", "t2", "Basic xyz"]) {
      assert.ok(!text.includes(`"${secret}"`), `${secret} leaked: ${text}`);
    }
  });
}

test("pretty lines read as time, level, component, message, then the other fields", () => {
  const { stream, lines } = capture();
  const log = createLogger({ destination: stream, format: "pretty", colorize: false });
  log.child({ component: "taskmanager" }).warn({ taskId: "t-1" }, "task failed");
  log.info("ready");
  const [first, second] = lines().trimEnd().split("\n");
  assert.match(first!, /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: taskmanager: task failed \{"taskId":"t-1"\}$/);
  assert.match(second!, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: ready$/);
});

test("JSON lines are JSON objects with level, time, component and msg", () => {
  const { stream, lines } = capture();
  createLogger({ destination: stream, format: "json" }).child({ component: "api" }).info("up");
  const line = JSON.parse(lines()) as Record<string, unknown>;
  assert.equal(line.level, 30);
  assert.equal(line.component, "api");
  assert.equal(line.msg, "up");
  assert.equal(typeof line.time, "number");
});

test("auto is pretty on a terminal and JSON elsewhere; the others are what they say", () => {
  const cases: [LogFormat, boolean, boolean][] = [
    ["auto", true, true],
    ["auto", false, false],
    ["pretty", false, true],
    ["json", true, false],
  ];
  for (const [format, tty, pretty] of cases) assert.equal(prettyFor(format, tty), pretty, `${format} ${tty}`);
});
