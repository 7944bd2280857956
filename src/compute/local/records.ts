import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ValidationError } from "../../domain/index.js";
import type { InstancePlacement, VolumeFilesystem } from "../types.js";
import { isMissing } from "./proc.js";

/**
 * Where the local provider keeps things under its root directory:
 *
 *   addresses/<ip>                      address leases (content: the instance id)
 *   instances/<id>/placement.json       the placement, written last by provision
 *   instances/<id>/volume.img           the sparse filesystem image (loop volumes)
 *   instances/<id>/volume/              the mount point, or the directory volume
 *   instances/<id>/engine.pid           what launch started (JSON: pid, start time, boot id, …)
 */
export class Layout {
  constructor(readonly rootDir: string) {}
  get addressesDir(): string {
    return join(this.rootDir, "addresses");
  }
  get instancesDir(): string {
    return join(this.rootDir, "instances");
  }
  instanceDir(id: string): string {
    return join(this.instancesDir, id);
  }
  placementFile(id: string): string {
    return join(this.instanceDir(id), "placement.json");
  }
  imageFile(id: string): string {
    return join(this.instanceDir(id), "volume.img");
  }
  volumePath(id: string): string {
    return join(this.instanceDir(id), "volume");
  }
  pidFile(id: string): string {
    return join(this.instanceDir(id), "engine.pid");
  }
}

const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Instance ids become path and cgroup names: nothing that could climb out of a directory. */
export function checkInstanceId(id: string): void {
  if (!INSTANCE_ID.test(id) || id.includes("..")) {
    throw new ValidationError(
      "INVALID_INSTANCE_ID",
      `instance id "${id}" is not usable as a name on this host`,
    );
  }
}

/** Writes a file whole or not at all (a crash leaves the old content or the new, never half). */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content, { mode: 0o644 });
  await rename(temp, path);
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export async function readPlacement(layout: Layout, id: string): Promise<InstancePlacement | undefined> {
  const placement = await readJson<InstancePlacement>(layout.placementFile(id));
  if (placement?.volumeKind === "loop") placement.volumeFilesystem = filesystemOf(placement);
  return placement;
}

/** A loop volume's filesystem; loop volumes recorded before XFS volumes existed were all ext4. */
export function filesystemOf(placement: InstancePlacement): VolumeFilesystem {
  return placement.volumeFilesystem ?? "ext4";
}

export async function writePlacement(layout: Layout, placement: InstancePlacement): Promise<void> {
  await mkdir(layout.instanceDir(placement.instanceId), { recursive: true, mode: 0o755 });
  await writeFileAtomic(
    layout.placementFile(placement.instanceId),
    JSON.stringify(placement, null, 2) + "\n",
  );
}

/** Every recorded placement (instances whose provision did not finish have none and are left out). */
export async function readAllPlacements(layout: Layout): Promise<InstancePlacement[]> {
  let ids: string[];
  try {
    ids = await readdir(layout.instancesDir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  const out: InstancePlacement[] = [];
  for (const id of ids.sort()) {
    const placement = await readPlacement(layout, id);
    if (placement) out.push(placement);
  }
  return out;
}
