/**
 * The floor of provisioning: what the engine itself costs without Coffer. One sample copies the
 * prepared template data directory, renders the config, starts the engine as its user, secures it
 * (admin password over the socket) and waits until the admin's `SELECT 1` over TCP works — the same
 * engine steps a Coffer create runs, with no API, task, volume, cgroup or bus around them.
 */
import { chmod, mkdir, rm } from "node:fs/promises";
import { runChecked } from "../../src/lib/index.js";
import { dirname } from "node:path";
import { engineFor } from "../../src/guestagent/engines/index.js";
import { createTestSite, launchEngine, type TestSite } from "../../src/guestagent/engines/testing.js";
import type { Engine, EngineLayout } from "../../src/guestagent/engines/index.js";
import { elapsed } from "./stats.js";

const ADMIN = { username: "os_admin", password: "bench-password" };
export const FLOOR_SIZING = { ramMb: 128, vcpus: 1 };

export interface FloorSample {
  /** Copy of the template (or initdb / install-db for a scratch sample). */
  initMs: number;
  /** Launch → secured → the admin's first query works. */
  startMs: number;
  totalMs: number;
}

export interface FloorSite {
  readonly manager: string;
  readonly engine: Engine;
  /** Copy of a prepared data dir + start: the floor a create is measured against. */
  fromTemplate(): Promise<FloorSample>;
  /** initdb / install-db + start: what a create without templates would cost. */
  fromScratch(): Promise<FloorSample>;
  close(): Promise<void>;
}

export async function createFloorSite(manager: string): Promise<FloorSite> {
  const engine = engineFor(manager);
  const site: TestSite = await createTestSite(engine);
  const template = { binDir: site.binDir, dataDir: `${site.root}/template`, runAs: site.runAs };
  let n = 0;
  let volume: string | undefined;
  try {
    await engine.prepareTemplate(template);
    volume = await mountVolume(site.root);
  } catch (err) {
    if (volume) await runChecked("umount", [volume]).catch(() => undefined);
    await site.cleanup();
    throw err;
  }

  async function sample(init: (layout: EngineLayout) => Promise<void>): Promise<FloorSample> {
    const layout = await site.layout(`${volume ? "vol/" : ""}s${n++}`);
    const began = performance.now();
    await init(layout);
    const initMs = elapsed(began);
    await engine.renderConfig(layout, FLOOR_SIZING);
    const started = performance.now();
    const proc = await launchEngine(engine.launchCommand(layout), layout.runAs, `${layout.logFile}.out`);
    try {
      await engine.secure(layout, ADMIN, 30_000);
      await engine.waitReady(layout, ADMIN, 30_000);
      return { initMs, startMs: elapsed(started), totalMs: elapsed(began) };
    } finally {
      await proc.stop();
      // Each sample's copy goes at once, as a deleted instance's does: piles of dirty pages
      // waiting for writeback would slow the next samples' copies.
      await rm(dirname(layout.dataDir), { recursive: true, force: true });
    }
  }

  return {
    manager,
    engine,
    fromTemplate: () => sample((layout) => engine.initializeFromTemplate(template.dataDir, layout)),
    fromScratch: () => sample((layout) => engine.initialize(layout)),
    async close() {
      if (volume) await runChecked("umount", [volume]).catch(() => undefined);
      await site.cleanup();
    },
  };
}

/**
 * As root, the samples' data lands on a loop-mounted volume of the filesystem Coffer's volumes get
 * here (XFS where mkfs.xfs works, as the provider's `auto` chooses; else ext4), as an instance's
 * does (the template stays on the host's filesystem, as Coffer's does): the same storage on both
 * sides. Writing to the host's busy filesystem directly can be several times slower than to a loop volume.
 */
async function mountVolume(root: string): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const image = `${root}/volume.img`;
  const mountPoint = `${root}/vol`;
  await runChecked("truncate", ["-s", "2G", image]);
  const xfs = await runChecked("mkfs.xfs", ["-q", "-f", image]).then(
    () => true,
    () => false,
  );
  if (!xfs) {
    await runChecked("mkfs.ext4", [
      "-q",
      "-F",
      "-m",
      "0",
      "-E",
      "lazy_itable_init=0,lazy_journal_init=0",
      image,
    ]);
  }
  await mkdir(mountPoint);
  const type = xfs ? "xfs" : "ext4";
  await runChecked("mount", ["-t", type, "-o", "loop,noatime,nodev,nosuid", image, mountPoint]);
  await chmod(mountPoint, 0o711);
  return mountPoint;
}
