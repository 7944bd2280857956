import { access, mkdir, rm } from "node:fs/promises";
import { InvalidStateError, NotFoundError, UnavailableError, ValidationError } from "../../domain/index.js";
import type {
  AdoptedInstance,
  ComputeProvider,
  HostCapabilities,
  InstanceAccess,
  InstanceHoldings,
  InstancePlacement,
  InstanceSpec,
  LaunchCommand,
  LaunchOptions,
  ProcessStatus,
  VolumeUsage,
} from "../types.js";
import { processGuards } from "./address-guard.js";
import { AddressPool } from "./addresses.js";
import { checkLimits, checkReachable, checkVolumeSize } from "./checks.js";
import { InstanceCgroups } from "./cgroups.js";
import { EngineProcesses } from "./engine-process.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { takeInventory } from "./inventory.js";
import { isMountPoint, mountsUnder } from "./mounts.js";
import { resolveLocalOptions, type LocalProviderOptions, type ResolvedLocalOptions } from "./options.js";
import { probeHost, type HostFacts } from "./probe.js";
import { checkAccess, PublicAddresses } from "./public.js";
import { SpareVolumes } from "./spares.js";
import {
  checkInstanceId,
  filesystemOf,
  Layout,
  readAllPlacements,
  readPlacement,
  writePlacement,
} from "./records.js";
import {
  createDirectoryVolume,
  createLoopVolume,
  GIB,
  growLoopVolumeOffline,
  growLoopVolumeOnline,
  mountLoopVolume,
  unmountLoopVolume,
  usedBytes,
} from "./volumes.js";

export function createLocalProvider(options: LocalProviderOptions): ComputeProvider {
  return new LocalProvider(resolveLocalOptions(options));
}

/** Host-side parts, built once the host is probed (the cgroup hierarchies come from the probe). */
interface Parts {
  facts: HostFacts;
  cgroups: InstanceCgroups;
  processes: EngineProcesses;
  spares: SpareVolumes | undefined;
}

class LocalProvider implements ComputeProvider {
  private readonly layout: Layout;
  private readonly addresses: AddressPool;
  /** This process's host-wide claims on addresses (address-guard.ts). */
  private readonly guards = processGuards;
  private readonly publicAddresses: PublicAddresses | undefined;
  private readonly mutex = new KeyedMutex();
  /** Why this host cannot give public addresses, once the probe found out. */
  private publicProblem: string | undefined;
  private parts: Promise<Parts> | undefined;

  constructor(private readonly options: ResolvedLocalOptions) {
    this.layout = new Layout(options.rootDir);
    this.addresses = new AddressPool(this.layout.addressesDir, options.addressPool, { guards: this.guards });
    const { publicAddressPool: pool, publicInterface: iface, logger } = options;
    if (pool !== undefined && iface !== undefined) {
      this.publicAddresses = new PublicAddresses(options.rootDir, pool, iface, logger, this.guards);
    }
  }

  /** Probes once; a failed probe is tried again on the next call. */
  private host(): Promise<Parts> {
    if (!this.parts) {
      this.parts = probeHost(this.options).then(async (facts) => {
        await this.claimAddresses();
        await this.probePublic(facts.capabilities);
        const cgroups = new InstanceCgroups(facts.hierarchies, this.options.cgroupParent);
        const { spareVolumes, rootDir, logger } = this.options;
        const filesystem = facts.capabilities.volumeFilesystem;
        const spares =
          filesystem && spareVolumes.length > 0
            ? new SpareVolumes(rootDir, spareVolumes, facts.runAs, filesystem, logger)
            : undefined;
        spares?.start().catch((err: unknown) => logger.error({ err }, "spare volumes not started"));
        return { facts, cgroups, processes: new EngineProcesses(this.layout, cgroups), spares };
      });
      this.parts.catch(() => (this.parts = undefined));
    }
    return this.parts;
  }

  /** Claims host-wide what this directory leases, before anything new is leased (AddressGuards). */
  private async claimAddresses(): Promise<void> {
    const lost = [...(await this.addresses.claimAll()), ...((await this.publicAddresses?.claimAll()) ?? [])];
    for (const { address, instanceId } of lost) {
      this.options.logger.error(
        { address, instanceId },
        "another process on this host claims this instance's address (leased to it while this Coffer was stopped?); its engine may not be able to listen there",
      );
    }
  }

  async close(): Promise<void> {
    const parts = await this.parts?.catch(() => undefined);
    await parts?.spares?.close();
    await this.addresses.releaseClaims();
    await this.publicAddresses?.releaseClaims();
    this.options.logger.info("compute provider closed: spare volumes removed; instances keep running");
  }

  async probe(): Promise<HostCapabilities> {
    return (await this.host()).facts.capabilities;
  }

  /** Public addresses work when a pool is configured, Coffer is root, the interface exists and nft works. */
  private async probePublic(capabilities: HostCapabilities): Promise<void> {
    if (!this.publicAddresses) return;
    const why = capabilities.root ? await this.publicAddresses.problem() : "Coffer is not root";
    if (why === undefined) {
      capabilities.publicAddresses = true;
      return;
    }
    this.publicProblem = why;
    const line = `instances cannot be public: ${why}`;
    capabilities.notEnforced.push(line);
    this.options.logger.warn(line);
  }

  async provision(spec: InstanceSpec): Promise<InstancePlacement> {
    checkInstanceId(spec.instanceId);
    checkVolumeSize(spec.volumeSizeGb);
    checkLimits(spec);
    const id = spec.instanceId;
    return this.mutex.run(id, async () => {
      const { facts, cgroups, spares } = await this.host();
      const access = accessOf(spec);
      checkAccess(access);
      if (access.isPublic) this.checkPublic(facts.capabilities);
      const existing = await readPlacement(this.layout, id);
      if (existing) {
        const asked = { volumeSizeGb: spec.volumeSizeGb, ramMb: spec.ramMb, vcpus: spec.vcpus };
        if (Object.entries(asked).some(([k, v]) => existing[k as keyof typeof asked] !== v)) {
          this.options.logger.warn(
            { instanceId: id, asked, existing },
            "provisioned before with other sizes; kept",
          );
        }
        await this.restore(existing);
        return existing;
      }
      // Files without a placement are a provision that did not finish: start again from nothing.
      // (Without an instance dir there is at most an address lease, which lease() reuses; the
      // removal costs a process spawn, so a fresh provision skips it.)
      if (await exists(this.layout.instanceDir(id))) await this.removeInstance(id);
      try {
        const address = await this.addresses.lease(id, spec.ports ?? []);
        await mkdir(this.layout.instanceDir(id), { recursive: true, mode: 0o755 });
        await checkReachable(this.layout.instanceDir(id), facts.runAs);
        const { volumeKind, volumeFilesystem: filesystem } = facts.capabilities;
        if (filesystem) {
          const image = this.layout.imageFile(id);
          const took = await spares?.takeInto(spec.volumeSizeGb, image, this.layout.volumePath(id));
          if (!took) await createLoopVolume(this.layout, id, spec.volumeSizeGb, facts.runAs, filesystem);
        } else await createDirectoryVolume(this.layout, id, facts.runAs);
        await cgroups.apply(id, { ...spec, pidsMax: this.options.pidsMax });
        const publicAddress =
          access.isPublic && this.publicAddresses ? await this.publicAddresses.ensure(id, access) : undefined;
        const placement: InstancePlacement = {
          instanceId: id,
          address,
          volumePath: this.layout.volumePath(id),
          volumeKind,
          ...(filesystem ? { volumeFilesystem: filesystem } : {}),
          volumeSizeGb: spec.volumeSizeGb,
          ramMb: spec.ramMb,
          vcpus: spec.vcpus,
          isPublic: access.isPublic,
          ...(publicAddress !== undefined ? { publicAddress } : {}),
          allowedCidrs: access.allowedCidrs,
          ports: access.ports,
          runAs: { uid: facts.runAs.uid, gid: facts.runAs.gid },
          host: this.options.hostName,
        };
        await writePlacement(this.layout, placement);
        this.options.logger.info({ placement }, "instance provisioned");
        return placement;
      } catch (err) {
        await this.removeInstance(id).catch((cleanupErr: unknown) =>
          this.options.logger.error(
            { err: cleanupErr, instanceId: id },
            "cleanup after a failed provision failed",
          ),
        );
        throw err;
      }
    });
  }

  async launch(id: string, command: LaunchCommand, options: LaunchOptions): Promise<{ pid: number }> {
    return this.mutex.run(id, async () => {
      const { facts, processes } = await this.host();
      const placement = await this.placement(id);
      await this.restore(placement); // never start an engine over an unmounted mount point
      const runAs = facts.capabilities.root ? placement.runAs : undefined;
      const started = await processes.launch(id, command, options.logFile, placement.volumePath, runAs);
      this.options.logger.info(
        { instanceId: id, pid: started.pid, file: command.file },
        "engine process running",
      );
      return started;
    });
  }

  async processStatus(id: string): Promise<ProcessStatus> {
    checkInstanceId(id);
    return (await this.host()).processes.status(id);
  }

  async stop(id: string, options: { timeoutMs?: number } = {}): Promise<void> {
    checkInstanceId(id);
    return this.mutex.run(id, async () =>
      (await this.host()).processes.stop(id, options.timeoutMs ?? 30_000),
    );
  }

  async resizeVolume(id: string, newSizeGb: number): Promise<void> {
    checkVolumeSize(newSizeGb);
    return this.mutex.run(id, async () => {
      const { facts, processes } = await this.host();
      const placement = await this.placement(id);
      if (newSizeGb < placement.volumeSizeGb) {
        throw new ValidationError(
          "VOLUME_SHRINK_NOT_SUPPORTED",
          `the volume of ${id} is ${placement.volumeSizeGb} GB; it can only grow`,
        );
      }
      if (newSizeGb === placement.volumeSizeGb) return;
      if (placement.volumeKind === "loop") {
        // Per volume, not per host: an ext4 volume made before this host chose XFS is still ext4.
        const filesystem = filesystemOf(placement);
        if (filesystem === "xfs" || facts.ext4OnlineResize) {
          await mountLoopVolume(this.layout, id, filesystem); // XFS grows only mounted
          await growLoopVolumeOnline(this.layout, id, filesystem, newSizeGb);
        } else if ((await processes.status(id)).running) {
          throw new InvalidStateError(
            "VOLUME_RESIZE_NEEDS_STOP",
            `the ext4 volume of instance ${id} cannot grow while in use on this host (no CAP_SYS_RESOURCE); stop it first`,
          );
        } else await growLoopVolumeOffline(this.layout, id, newSizeGb);
      }
      await writePlacement(this.layout, { ...placement, volumeSizeGb: newSizeGb });
      this.options.logger.info({ instanceId: id, volumeSizeGb: newSizeGb }, "volume grown");
    });
  }

  async setAccess(id: string, access: InstanceAccess): Promise<InstancePlacement> {
    return this.mutex.run(id, async () => {
      const { facts } = await this.host();
      const placement = await this.placement(id);
      checkAccess(access);
      if (access.isPublic) this.checkPublic(facts.capabilities);
      const { publicAddress: _old, ...rest } = placement;
      const next: InstancePlacement = { ...rest, ...access };
      if (access.isPublic && this.publicAddresses) {
        next.publicAddress = await this.publicAddresses.ensure(id, access);
      } else await this.publicAddresses?.remove(id);
      await writePlacement(this.layout, next);
      this.options.logger.info(
        { instanceId: id, publicAddress: next.publicAddress, allowedCidrs: access.allowedCidrs },
        "instance access changed",
      );
      return next;
    });
  }

  /**
   * A host without a public pool has one kind of address: a public instance is reachable where
   * every instance is, at its own address, and gets no public one (docs/compute.md). A host whose
   * pool the operator configured but which cannot use it refuses: a public instance there would
   * otherwise go without the filter the operator expects.
   */
  private checkPublic(capabilities: HostCapabilities): void {
    if (!this.publicAddresses || capabilities.publicAddresses) return;
    throw new UnavailableError(
      "PUBLIC_ADDRESSES_UNAVAILABLE",
      this.publicAddresses
        ? `host ${this.options.hostName} cannot give public addresses: ${this.publicProblem ?? "its probe failed"}`
        : `host ${this.options.hostName} has no public address pool`,
      { retryable: false },
    );
  }

  async resize(id: string, limits: { ramMb: number; vcpus: number }): Promise<void> {
    checkLimits(limits);
    return this.mutex.run(id, async () => {
      const { cgroups } = await this.host();
      const placement = await this.placement(id);
      await cgroups.apply(id, { ...limits, pidsMax: this.options.pidsMax });
      await writePlacement(this.layout, { ...placement, ramMb: limits.ramMb, vcpus: limits.vcpus });
      this.options.logger.info({ instanceId: id, ...limits }, "instance limits changed");
    });
  }

  async volumeUsage(id: string): Promise<VolumeUsage> {
    const placement = await this.placement(id);
    if (placement.volumeKind === "loop" && !(await isMountPoint(placement.volumePath))) {
      throw new InvalidStateError("VOLUME_NOT_MOUNTED", `the volume of instance ${id} is not mounted`);
    }
    const used = await usedBytes(placement.volumePath, placement.volumeKind);
    return { sizeGb: placement.volumeSizeGb, usedGb: used / GIB };
  }

  async destroy(id: string): Promise<void> {
    checkInstanceId(id);
    return this.mutex.run(id, async () => {
      await this.removeInstance(id);
      this.options.logger.info({ instanceId: id }, "instance destroyed");
    });
  }

  async list(): Promise<InstancePlacement[]> {
    return readAllPlacements(this.layout);
  }

  async inventory(): Promise<Map<string, InstanceHoldings>> {
    const { cgroups } = await this.host();
    return takeInventory(this.layout, this.addresses, cgroups, this.publicAddresses?.leases);
  }

  async adopt(): Promise<AdoptedInstance[]> {
    const adopted: AdoptedInstance[] = [];
    for (const placement of await this.list()) {
      const id = placement.instanceId;
      // One broken instance (say, its image was deleted) must not keep the others from being adopted.
      const problem = await this.mutex
        .run(id, () => this.restore(placement))
        .then(
          () => undefined,
          (err: unknown) => {
            this.options.logger.error({ err, instanceId: id }, "could not re-establish the instance");
            return err instanceof Error ? err.message : String(err);
          },
        );
      const process = await this.processStatus(id);
      adopted.push(problem === undefined ? { placement, process } : { placement, process, problem });
    }
    this.options.logger.info(
      { instances: adopted.length, running: adopted.filter((a) => a.process.running).length },
      "instances adopted",
    );
    return adopted;
  }

  private async placement(id: string): Promise<InstancePlacement> {
    checkInstanceId(id);
    const placement = await readPlacement(this.layout, id);
    if (!placement)
      throw new NotFoundError("COMPUTE_INSTANCE_NOT_FOUND", `instance ${id} is not on this host`);
    return placement;
  }

  /** Re-establishes the volume mount and the cgroup limits (after a reboot, both are gone). */
  private async restore(placement: InstancePlacement): Promise<void> {
    const { cgroups } = await this.host();
    if (placement.volumeKind === "loop")
      await mountLoopVolume(this.layout, placement.instanceId, filesystemOf(placement));
    await cgroups.apply(placement.instanceId, { ...placement, pidsMax: this.options.pidsMax });
    if (placement.publicAddress !== undefined) {
      if (!this.publicAddresses) {
        throw new UnavailableError(
          "PUBLIC_ADDRESSES_UNAVAILABLE",
          `instance ${placement.instanceId} is public but this host has no public address pool any more`,
        );
      }
      await this.publicAddresses.ensure(placement.instanceId, accessOf(placement));
    }
  }

  /** Everything an instance holds, in the order that keeps a retry possible; idempotent. */
  private async removeInstance(id: string): Promise<void> {
    const { cgroups, processes } = await this.host();
    await processes.kill(id);
    await unmountLoopVolume(this.layout, id, this.options.logger);
    const left = await mountsUnder(this.layout.instanceDir(id));
    if (left.length > 0) {
      throw new InvalidStateError("VOLUME_BUSY", `still mounted: ${left.join(", ")}`, { retryable: true });
    }
    await cgroups.remove(id);
    await this.publicAddresses?.remove(id);
    await rm(this.layout.instanceDir(id), { recursive: true, force: true });
    await this.addresses.release(id);
  }
}

/** Access as asked for, or as recorded (placements older than public addresses have no lists). */
function accessOf(a: Pick<InstanceSpec, "isPublic" | "allowedCidrs" | "ports">): InstanceAccess {
  return { isPublic: a.isPublic, allowedCidrs: a.allowedCidrs ?? [], ports: a.ports ?? [] };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
