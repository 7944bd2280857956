import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { createLogger } from "./logger.js";

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

test("secrets are redacted at any usual depth", () => {
  const { stream, lines } = capture();
  const log = createLogger({ destination: stream });
  log.info(
    {
      password: "p0",
      body: { auth: { identity: { password: { user: { password: "p1" } } } } },
      req: { headers: { "x-auth-token": "t1", authorization: "Basic xyz" } },
      instance: { users: [{ name: "u", password: "p2" }] },
      token: "t2",
    },
    "hello",
  );
  const text = lines();
  assert.match(text, /hello/);
  for (const secret of ["p0", "p2", "t1", "t2", "Basic xyz"]) {
    assert.ok(!text.includes(`"${secret}"`), `${secret} leaked: ${text}`);
  }
});
