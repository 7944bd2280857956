import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../lib/index.js";
import type { Engine, EngineInstallation, RunAs } from "./engines/index.js";

/**
 * One prepared data directory per engine installation (engine, version, binaries), made on first
 * use and copied by every prepare (`initializeFromTemplate`): copying is several times faster than
 * initdb / mariadb-install-db. A template is never started and holds no secret; a copy is never
 * shared. It is built aside and renamed into place, so a template that exists is complete.
 */
export class Templates {
  /** First uses in flight, so that concurrent prepares build a template once. */
  private readonly building = new Map<string, Promise<string>>();

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** The template's data dir for this installation, built now if it does not exist yet. */
  async dataDirFor(engine: Engine, installation: EngineInstallation, runAs: RunAs): Promise<string> {
    const key = templateKey(engine, installation);
    const dataDir = join(this.dir, key, "data");
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.ensure(engine, installation, runAs, key, dataDir).finally(() =>
        this.building.delete(key),
      );
      this.building.set(key, pending);
    }
    return pending;
  }

  /** Removes what a crash left half-built (`.<key>.<random>` dirs). */
  async removeLeftovers(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.startsWith("."))) {
      await rm(join(this.dir, name), { recursive: true, force: true });
    }
  }

  private async ensure(
    engine: Engine,
    installation: EngineInstallation,
    runAs: RunAs,
    key: string,
    dataDir: string,
  ): Promise<string> {
    const final = join(this.dir, key);
    if (await isDir(final)) return dataDir;
    const began = performance.now();
    const aside = join(this.dir, `.${key}.${randomBytes(4).toString("hex")}`);
    await mkdir(aside, { recursive: true, mode: 0o711 });
    await chmod(aside, 0o711); // the engine's user creates the data dir inside it
    try {
      await engine.prepareTemplate({ binDir: installation.binDir, dataDir: join(aside, "data"), runAs });
      await rename(aside, final).catch(async (err: NodeJS.ErrnoException) => {
        // Another process finished the same template first: use theirs.
        if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
      });
    } finally {
      await rm(aside, { recursive: true, force: true });
    }
    this.logger.info(
      { template: key, ms: Math.round(performance.now() - began) },
      "engine data dir template prepared",
    );
    return dataDir;
  }
}

/** `<engine>-<version>-<hash of the binaries' dir>`: mysql and mariadb share MariaDB's template. */
export function templateKey(engine: Engine, installation: EngineInstallation): string {
  const where = createHash("sha256").update(installation.binDir).digest("hex").slice(0, 8);
  const version = installation.version.replace(/[^A-Za-z0-9.]/g, "_");
  return `${engine.capabilities.name}-${version}-${where}`;
}

async function isDir(path: string): Promise<boolean> {
  return readdir(path).then(
    () => true,
    () => false,
  );
}
