import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CofferError } from "../domain/index.js";
import { readGuestState, removeGuestState, writeGuestState, type GuestState } from "./guest-state.js";

const STATE: GuestState = {
  instanceId: "i-1",
  manager: "postgresql",
  image: "/usr/lib/postgresql/15/bin",
  version: "15.14",
  ramMb: 256,
  vcpus: 1,
  overrides: { work_mem: "4MB" },
  admin: { username: "os_admin", password: "secret-secret" },
  desired: "running",
  prepared: false,
};

test("guest state: written 0600 and whole, read back, replaced, removed (idempotent)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cf-gstate-"));
  try {
    const file = join(dir, "i-1.json");
    assert.equal(await readGuestState(file), undefined);
    await writeGuestState(file, STATE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readGuestState(file), STATE);
    await writeGuestState(file, { ...STATE, prepared: true, desired: "stopped" });
    assert.deepEqual(await readGuestState(file), { ...STATE, prepared: true, desired: "stopped" });
    // Older state files have no lastWorking; newer ones keep the configuration to roll back to.
    const working = { ...STATE, prepared: true, lastWorking: { work_mem: "2MB" } };
    await writeGuestState(file, working);
    assert.deepEqual(await readGuestState(file), working);
    assert.deepEqual(await readdir(dir), ["i-1.json"], "nothing left aside");
    await removeGuestState(file);
    await removeGuestState(file);
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("guest state: a file that is not a guest state is refused, not half used", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cf-gstate-"));
  try {
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify({ ...STATE, desired: "maybe" }));
    await assert.rejects(readGuestState(file), (err: unknown) => {
      return err instanceof CofferError && err.code === "GUEST_STATE_CORRUPT";
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
