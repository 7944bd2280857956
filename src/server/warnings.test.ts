import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { resolveConfig } from "../config/index.js";
import { createLogger } from "../lib/index.js";
import { warnOfOwnAddress, warnOfOwnHostName } from "./warnings.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
      done();
    },
  });
  return { log: createLogger({ level: "info", destination }), lines };
}

const shared = { COFFER_INFRA_DB: "postgresql://u@db/coffer", COFFER_BUS: "amqp://rabbit" };
const config = (env: Record<string, string>) => resolveConfig({ env, flags: { dataDir: "/tmp/x" } });

test("a task manager on a shared bus without --host-name is warned; given one, or with the compute role, not", () => {
  const { log, lines } = capture();
  warnOfOwnHostName(config({ ...shared, COFFER_ROLES: "taskmanager" }), log);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^no --host-name: .*compute\./);
  warnOfOwnHostName(config({ ...shared, COFFER_ROLES: "taskmanager", COFFER_HOST_NAME: "host-a" }), log);
  warnOfOwnHostName(config({ ...shared, COFFER_ROLES: "taskmanager,compute" }), log);
  warnOfOwnHostName(config({ COFFER_ROLES: "taskmanager" }), log); // the embedded shape's bus
  assert.equal(lines.length, 1);
});

test("an API on a shared database without --public-url is warned; given one, or on SQLite, not", () => {
  const { log, lines } = capture();
  warnOfOwnAddress(config({ ...shared, COFFER_ROLES: "api" }), log);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^no --public-url: /);
  warnOfOwnAddress(config({ ...shared, COFFER_ROLES: "api", COFFER_PUBLIC_URL: "http://door:8779" }), log);
  warnOfOwnAddress(config({ COFFER_ROLES: "api" }), log);
  assert.equal(lines.length, 1);
});
