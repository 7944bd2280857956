import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { NotFoundError, QuotaExceededError, ValidationError } from "../domain/index.js";
import { openIdentityFixture, type IdentityFixture } from "./testing.js";

let fx: IdentityFixture;
before(async () => {
  fx = await openIdentityFixture();
});
after(() => fx.close());

const overLimit = (resources: string[]) => (e: unknown) =>
  e instanceof QuotaExceededError &&
  e.message === `Quota exceeded for resources: [${resources.map((r) => `'${r}'`).join(", ")}].`;

test("Trove's defaults, overridden per project; usage shows all four resources", async () => {
  const q = fx.identity.quotas;
  assert.deepEqual(await q.limits("p-defaults"), { instances: 10, ram: -1, backups: 50, volumes: 40 });
  assert.deepEqual(await q.setLimits("p-defaults", { instances: 15, backups: null, ram: 4096 }), {
    instances: 15,
    ram: 4096,
  });
  assert.deepEqual(await q.limits("p-defaults"), { instances: 15, ram: 4096, backups: 50, volumes: 40 });
  assert.deepEqual(await q.limits("p-other"), q.defaults());
  assert.deepEqual(
    (await q.usage("p-defaults")).map((u) => [u.resource, u.inUse, u.reserved, u.limit]),
    [
      ["instances", 0, 0, 15],
      ["ram", 0, 0, 4096],
      ["backups", 0, 0, 50],
      ["volumes", 0, 0, 40],
    ],
  );
  await assert.rejects(q.setLimits("p-defaults", { instances: -2 }), (e) => e instanceof ValidationError);
  await assert.rejects(q.setLimits("p-defaults", { instances: 1.5 }), (e) => e instanceof ValidationError);
  await assert.rejects(q.setLimits("p-defaults", { cores: 3 }), (e) => e instanceof NotFoundError);
});

test("reserve → commit, release, free; a reservation over a limit names every resource and takes nothing", async () => {
  const q = fx.identity.quotas;
  const p = "p-flow";
  await q.setLimits(p, { instances: 2, volumes: 10 });
  const r1 = await q.reserve(p, { instances: 1, volumes: 6, ram: 2048 });
  await q.commit(r1);
  await assert.rejects(q.reserve(p, { instances: 1, volumes: 5 }), overLimit(["volumes"]));
  await assert.rejects(q.reserve(p, { instances: 2, volumes: 5 }), overLimit(["instances", "volumes"]));
  const r2 = await q.reserve(p, { instances: 1, volumes: 4 });
  let usage = await q.usage(p);
  assert.deepEqual(
    usage.map((u) => [u.resource, u.inUse, u.reserved]),
    [
      ["instances", 1, 1],
      ["ram", 2048, 0],
      ["backups", 0, 0],
      ["volumes", 6, 4],
    ],
  );
  await q.release(r2);
  await q.free(p, { instances: 1, volumes: 6, ram: 2048 });
  usage = await q.usage(p);
  assert.ok(usage.every((u) => u.inUse === 0 && u.reserved === 0));
  // Negative deltas (a smaller flavor) give back on commit.
  await q.commit(await q.reserve(p, { ram: 1000 }));
  await q.commit(await q.reserve(p, { ram: -400 }));
  assert.equal((await q.usage(p)).find((u) => u.resource === "ram")?.inUse, 600);
});

test("run: commits when the work succeeds, releases when it throws", async () => {
  const q = fx.identity.quotas;
  const p = "p-run";
  assert.equal(await q.run(p, { backups: 1 }, async () => "made"), "made");
  await assert.rejects(
    q.run(p, { backups: 1 }, async () => {
      throw new Error("failed");
    }),
    /failed/,
  );
  const backups = (await q.usage(p)).find((u) => u.resource === "backups");
  assert.deepEqual([backups?.inUse, backups?.reserved], [1, 0]);
});

test("racing reservations never pass the limit together", async () => {
  const q = fx.identity.quotas;
  const p = "p-race";
  await q.setLimits(p, { instances: 3 });
  const results = await Promise.allSettled(Array.from({ length: 12 }, () => q.reserve(p, { instances: 1 })));
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 3);
  for (const r of results) if (r.status === "rejected") assert.ok(overLimit(["instances"])(r.reason));
  const instances = (await q.usage(p)).find((u) => u.resource === "instances");
  assert.equal(instances?.reserved, 3);
});

test("unlimited (-1) never refuses; bad deltas are refused", async () => {
  const q = fx.identity.quotas;
  await q.reserve("p-unlimited", { ram: 1_000_000 });
  await assert.rejects(q.reserve("p-unlimited", { cores: 1 } as never), (e) => e instanceof ValidationError);
  await assert.rejects(q.reserve("p-unlimited", { ram: 0.5 }), (e) => e instanceof ValidationError);
});
