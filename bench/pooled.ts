/**
 * Warm pools for the pooled provisioning section: one pool of 2 per engine for c1.nano with 1 GB
 * volumes, and a wait between creates until the host has refilled it (the refill runs in the
 * background; a create that finds the pool empty is a cold create).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { BenchServer } from "./lib/server.js";

export const POOL_SIZE = 2;

export function poolArgs(engines: string[]): string[] {
  return ["--warm-pools", engines.map((e) => `${e}:default:6:${POOL_SIZE}:1`).join(",")];
}

/** Ready members per datastore manager, from the host agent's pool records. */
async function readyMembers(bench: BenchServer): Promise<Map<string, number>> {
  const dir = join(bench.server.dir, "compute", "agent", "pool");
  const counts = new Map<string, number>();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith(".json")) continue;
    const record = JSON.parse(await readFile(join(dir, name), "utf8").catch(() => "{}")) as {
      state?: string;
      spec?: { manager?: string };
    };
    if (record.state === "ready" && record.spec?.manager)
      counts.set(record.spec.manager, (counts.get(record.spec.manager) ?? 0) + 1);
  }
  return counts;
}

export async function waitForPool(bench: BenchServer, manager: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (((await readyMembers(bench)).get(manager) ?? 0) >= POOL_SIZE) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the ${manager} warm pool did not fill within ${timeoutMs} ms`);
}
