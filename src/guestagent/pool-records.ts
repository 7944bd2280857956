import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { PoolShape } from "./rpc.js";

/**
 * What a warm pool remembers of each member across restarts of Coffer, one JSON file per member
 * (`<rootDir>/pool/<id>.json`). A member is a real instance on this host (placement, guest state,
 * running engine) that no instance row names yet. `claimed` is written (and flushed) before a
 * claim is answered, so that a member is never handed out twice, even across a crash.
 */
export interface PoolMember {
  id: string;
  key: string;
  spec: PoolShape;
  address: string;
  state: "warming" | "ready" | "claimed";
  /** When it was claimed (epoch ms); a claim nobody confirms is destroyed after a while. */
  claimedAt?: number;
}

export class PoolRecords {
  constructor(readonly dir: string) {}

  private file(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  async all(): Promise<PoolMember[]> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const members: PoolMember[] = [];
    for (const name of await readdir(this.dir)) {
      const path = join(this.dir, name);
      if (!name.endsWith(".json")) {
        await unlink(path).catch(() => undefined); // a write cut short
        continue;
      }
      const member = JSON.parse(await readFile(path, "utf8")) as PoolMember;
      if (typeof member.id === "string" && typeof member.key === "string") members.push(member);
    }
    return members;
  }

  /** Written aside, flushed and renamed into place: the old record or the new one, never half. */
  async save(member: PoolMember): Promise<void> {
    const aside = `${this.file(member.id)}.${process.pid}.tmp`;
    const file = await open(aside, "w", 0o600);
    try {
      await file.writeFile(JSON.stringify(member) + "\n");
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(aside, this.file(member.id));
  }

  async remove(id: string): Promise<void> {
    await unlink(this.file(id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }
}
