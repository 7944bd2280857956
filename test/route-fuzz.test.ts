import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { fuzzRoutes } from "./support/fuzz/fuzz.js";
import { openFuzzFixture, type FuzzFixture } from "./support/fuzz/fixture.js";
import { replayRegressions } from "./support/fuzz/regressions.js";

/*
 * The route fuzzer in CI (docs/reliability.md): every operation of /openapi.json, as anonymous,
 * another project's member, a reader, a member and the admin, with a fixed seed — so a failure
 * here is replayable with `npm run bench:fuzz -- --seed 18`. The longer, random-seed run is
 * bench/fuzz.ts. The findings it made are replayed first (support/fuzz/regressions.ts).
 */

const SEED = 18;
const REQUESTS = 5_200;

let fx: FuzzFixture;
before(async () => {
  fx = await openFuzzFixture();
});
after(() => fx?.close());

test("the fuzzer's past findings stay fixed", async () => {
  const { replayed, failed } = await replayRegressions(fx.target);
  assert.ok(replayed > 0);
  assert.deepEqual(failed, []);
});

test(`${REQUESTS} generated requests over every route: no 5xx, no framework body, no change on 4xx, nothing of another project`, async () => {
  const report = await fuzzRoutes(fx.target, { seed: SEED, requests: REQUESTS, timeBudgetMs: 12 * 60_000 });
  const summary = `${report.requests} requests, ${report.operations} operations × ${report.callers} callers, ${Math.round(report.durationMs / 1000)} s, by status ${JSON.stringify(report.byStatus)}`;
  console.log(
    `route fuzz: ${summary}; ${report.serverErrors} 5xx; ${report.stateChangesOn4xx} state changes on 4xx; ${report.notImplemented} 501 (unsupported features)`,
  );
  assert.deepEqual(
    report.findings.map((f) => `${f.operation} as ${f.caller}: ${f.problem}`),
    [],
  );
  assert.equal(report.skipped, 0, "every operation × caller ran within the time budget");
  assert.ok(report.requests >= 5_000, summary);
  assert.equal(report.serverErrors, 0);
  assert.equal(report.stateChangesOn4xx, 0);
  // Valid requests got through too: the run is not all refusals.
  assert.ok((report.byStatus["200"] ?? 0) + (report.byStatus["202"] ?? 0) > 500, summary);
});

/** A raw HTTP exchange with the server's listener (what Node's parser refuses never reaches a route). */
function raw(url: string, request: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let data = "";
    socket.on("data", (d) => (data += d.toString()));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf("\r\n\r\n") + 4) });
    });
    socket.setTimeout(10_000, () => reject(new Error("no answer")));
  });
}

test("requests Node's HTTP parser refuses get a Trove fault too", async () => {
  const url = fx.server.url;
  const cases = [
    ["a header block over 16 KiB", `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`, 431],
    ["a broken request line", "GARBAGE\r\n\r\n", 400],
    [
      "a bad chunked body",
      "POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      400,
    ],
    ["a header without a colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400],
  ] as const;
  for (const [what, request, status] of cases) {
    const res = await raw(url, request);
    assert.equal(res.status, status, `${what}: ${res.status} ${res.body}`);
    const body = JSON.parse(res.body) as Record<string, { code: number; message: string }>;
    assert.equal(Object.values(body)[0]?.code, status, `${what}: ${res.body}`);
  }
  // And the server still serves.
  assert.equal((await fetch(`${url}/`)).status, 200);
});
