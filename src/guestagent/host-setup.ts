import { chmod, mkdir } from "node:fs/promises";
import { UnavailableError, ValidationError } from "../domain/index.js";
import { run } from "../lib/index.js";
import type { RunAs } from "../compute/index.js";
import type { Engine, EngineInstallation } from "./engines/index.js";
import type { GuestPaths } from "./paths.js";

/**
 * Creates the host agent's directories. The guest states hold secrets: root only. Templates, run
 * dirs and logs are written by the engines' user: it must be able to traverse down to them.
 */
export async function prepareRoot(paths: GuestPaths, runAs: RunAs): Promise<void> {
  const tooLong = paths.socketRoomError();
  if (tooLong) throw tooLong;
  await mkdir(paths.root, { recursive: true, mode: 0o711 });
  await mkdir(paths.guestsDir, { recursive: true, mode: 0o700 });
  await chmod(paths.guestsDir, 0o700);
  for (const dir of [paths.templatesDir, paths.runRoot, paths.logsRoot]) {
    await mkdir(dir, { recursive: true, mode: 0o711 });
    await chmod(dir, 0o711);
  }
  // Ask the system rather than reason about modes, ACLs and parents: can runAs get in?
  for (const dir of [paths.templatesDir, paths.runRoot, paths.logsRoot]) {
    const probe = await run("test", ["-x", dir], {
      uid: runAs.uid,
      gid: runAs.gid,
      env: { PATH: "/usr/bin:/bin" },
    }).catch(() => undefined);
    if (probe?.code !== 0) {
      throw new UnavailableError(
        "GUEST_ROOT_UNREACHABLE",
        `the engines' user (uid ${runAs.uid}) cannot reach ${dir}: every parent of the guest root dir must be traversable (o+x)`,
        { retryable: false },
      );
    }
  }
}

/** Probes each (engine, image) once; a failed probe is tried again next time. */
export function installationProbe(): (engine: Engine, image: string) => Promise<EngineInstallation> {
  const known = new Map<string, Promise<EngineInstallation>>();
  return (engine, image) => {
    const key = `${engine.capabilities.name}\0${image}`;
    let found = known.get(key);
    if (!found) {
      found = engine.probe(image).then((installation) => {
        if (!installation) {
          throw new ValidationError(
            "GUEST_IMAGE_INVALID",
            `no ${engine.capabilities.name} installation in ${image}`,
          );
        }
        return installation;
      });
      found.catch(() => known.delete(key));
      known.set(key, found);
    }
    return found;
  };
}
