import { randomUUID } from "node:crypto";
import { chmod, mkdir, readdir, rename, rm } from "node:fs/promises";
import type { Logger } from "../../lib/index.js";
import type { RunAs, VolumeFilesystem } from "../types.js";
import { hostCommand } from "./commands.js";
import { Layout } from "./records.js";
import { createLoopVolume, unmountLoopVolume } from "./volumes.js";

/** How many formatted, mounted volumes of one size to keep ready. */
export interface SpareVolumeSpec {
  sizeGb: number;
  count: number;
}

/**
 * Loop volumes made ahead of time (`<root>/spares/instances/<id>/`: a sparse image, the provider's filesystem, mounted),
 * so that a provision takes one instead of waiting for mkfs and a loop mount (≈ 40–150 ms on a
 * busy host). Taking one moves the image into the instance's directory and the mount onto the
 * instance's volume path (`mount --move`, or a bind mount where the tree is shared): the
 * filesystem is new and empty, and belongs to that instance alone. Spares are refilled in the
 * background, one at a time; those a previous run left are removed at start, not adopted.
 */
export class SpareVolumes {
  private readonly layout: Layout;
  private readonly ready: { id: string; sizeGb: number }[] = [];
  private filling: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    rootDir: string,
    private readonly specs: readonly SpareVolumeSpec[],
    private readonly runAs: RunAs,
    private readonly filesystem: VolumeFilesystem,
    private readonly logger: Logger,
    private readonly refillDelayMs = 2000,
  ) {
    this.layout = new Layout(`${rootDir}/spares`);
  }

  /** Removes what an earlier run left, then starts filling. */
  async start(): Promise<void> {
    for (const id of await readdir(this.layout.instancesDir).catch(() => [] as string[])) {
      await this.discard(id);
    }
    this.fill();
  }

  /**
   * A clean stop: no more spares are made, and every one there is — made, or being made — is
   * unmounted, its loop device detached and its image removed. Spares hold nobody's data, and a
   * Coffer that is not started again in this directory would otherwise leave them mounted for good.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.filling;
    this.ready.length = 0;
    for (const id of await readdir(this.layout.instancesDir).catch(() => [] as string[])) {
      await this.discard(id);
    }
  }

  /**
   * Moves a spare of this size onto the instance's volume path and its image into the instance's
   * directory; false when there is none or it could not be used (the caller makes a volume the
   * slow way).
   */
  async takeInto(sizeGb: number, image: string, volumePath: string): Promise<boolean> {
    if (this.closed) return false;
    const index = this.ready.findIndex((s) => s.sizeGb === sizeGb);
    if (index < 0) return false;
    const [spare] = this.ready.splice(index, 1);
    const id = spare!.id;
    // Replaced a little later: mkfs and a mount competing with the create that took this spare
    // (its template copy and engine start) would slow that very create down.
    setTimeout(() => this.fill(), this.refillDelayMs).unref();
    try {
      await rename(this.layout.imageFile(id), image);
      await mkdir(volumePath, { recursive: true, mode: 0o700 });
      await chmod(volumePath, 0o700); // the covered directory stays root's, as for any volume
      const from = this.layout.volumePath(id);
      // A move is one step; where the mount tree is shared (systemd hosts) the kernel refuses it,
      // and a bind mount plus letting go of the spare's own mount point does the same.
      const moved = await hostCommand("mount", ["--move", from, volumePath]).then(
        () => true,
        () => false,
      );
      if (!moved) {
        await hostCommand("mount", ["--bind", from, volumePath]);
        await hostCommand("umount", [from]);
      }
      await rm(this.layout.instanceDir(id), { recursive: true, force: true });
      return true;
    } catch (err) {
      this.logger.warn({ err }, "could not use a spare volume; making one");
      await hostCommand("umount", [volumePath]).catch(() => undefined);
      await rm(image, { force: true });
      await this.discard(id);
      return false;
    }
  }

  private fill(): void {
    if (this.closed) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = this.fillLoop()
      .catch((err: unknown) => this.logger.error({ err }, "making a spare volume failed"))
      .finally(() => (this.filling = undefined));
  }

  private async fillLoop(): Promise<void> {
    do {
      this.again = false;
      for (;;) {
        if (this.closed) return;
        const spec = this.specs.find((s) => this.ready.filter((r) => r.sizeGb === s.sizeGb).length < s.count);
        if (!spec) break;
        const id = randomUUID();
        await mkdir(this.layout.instanceDir(id), { recursive: true, mode: 0o755 });
        try {
          await createLoopVolume(this.layout, id, spec.sizeGb, this.runAs, this.filesystem);
        } catch (err) {
          await this.discard(id);
          throw err;
        }
        this.ready.push({ id, sizeGb: spec.sizeGb });
      }
    } while (this.again);
  }

  private async discard(id: string): Promise<void> {
    await unmountLoopVolume(this.layout, id, this.logger).catch(() => undefined);
    await rm(this.layout.instanceDir(id), { recursive: true, force: true });
  }
}
