import { randomBytes } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { MessageBus, Subscription } from "../bus/index.js";
import type { AdoptedInstance, ComputeProvider, InstancePlacement } from "../compute/index.js";
import { ConductorClient } from "../conductor/index.js";
import { InvalidStateError, type Clock } from "../domain/index.js";
import type { Logger } from "../lib/index.js";
import type { GuestContext } from "./context.js";
import { engineFor as defaultEngineFor, type Engine } from "./engines/index.js";
import { GuestAgent } from "./guest-agent.js";
import { guestHandlers } from "./guest-handlers.js";
import { readGuestState, removeGuestState } from "./guest-state.js";
import { Heartbeats } from "./heartbeats.js";
import { hostHandlers } from "./host-handlers.js";
import { installationProbe, prepareRoot } from "./host-setup.js";
import { checkId, GuestPaths } from "./paths.js";
import { WarmPool, type PoolSpec } from "./pool.js";
import { guestTopic, hostTopic } from "./rpc.js";
import { KeyedSerial, Semaphore } from "./serial.js";
import { Templates } from "./templates.js";

export interface HostAgentDeps {
  bus: MessageBus;
  /** The local compute provider of this host (the guest agents use it directly). */
  provider: ComputeProvider;
  logger: Logger;
  clock: Clock;
  /** The host's name: its topic is `compute.<hostName>`, and placements name it. */
  hostName: string;
  /** Guest state, templates, run dirs and engine logs (e.g. `<dataDir>/guests`); traversable by the engines' user. */
  rootDir: string;
  /** How often each prepared instance reports to the conductor. Default 5000 ms. */
  heartbeatIntervalMs?: number;
  /** Most heartbeats running at once on this host. Default 8. */
  heartbeatConcurrency?: number;
  /**
   * How often every engine's process is looked at between heartbeats, so that one that died is
   * launched again within this rather than within a heartbeat interval. Default 2000 ms.
   */
  livenessIntervalMs?: number;
  /** How long an engine may take to accept connections after a launch. Default 120 000 ms. */
  startTimeoutMs?: number;
  /** How long a clean engine shutdown may take before it is killed. Default 60 000 ms. */
  stopTimeoutMs?: number;
  /** The engine driver of a datastore manager. Default: the engines registry. */
  engineFor?: (manager: string) => Engine;
  /** Generates engine admin passwords. Default: 24 random bytes, base64url. */
  newPassword?: () => string;
  /** Warm pools this host keeps (docs/performance.md). Default: none. */
  warmPools?: readonly PoolSpec[];
}

export interface HostAgent {
  /** Probes and adopts what the host holds, relaunches engines that should run, then serves. */
  start(): Promise<void>;
  /** Stops heartbeats and serving. The engines keep running: they outlive Coffer. */
  stop(): Promise<void>;
}

interface Served {
  agent: GuestAgent;
  subscription: Subscription;
}

/**
 * The host agent: serves `compute.<host>` (provision, destroy) and runs one guest agent per
 * instance on this host, all in this process, each serving `guestagent.<id>`.
 */
export function createHostAgent(deps: HostAgentDeps): HostAgent {
  const log = deps.logger.child({ component: "hostagent", host: deps.hostName });
  const paths = new GuestPaths(deps.rootDir);
  const guests = new Map<string, Served>();
  const perInstance = new KeyedSerial();
  const heartbeats = new Heartbeats(deps.heartbeatIntervalMs ?? 5000, deps.heartbeatConcurrency ?? 8, log);
  let hostSubscription: Subscription | undefined;
  let liveness: NodeJS.Timeout | undefined;
  let state: "new" | "started" | "stopped" = "new";
  let pool: WarmPool | undefined;

  async function serveGuest(context: GuestContext, placement: InstancePlacement): Promise<GuestAgent> {
    const id = placement.instanceId;
    const existing = guests.get(id);
    if (existing) return existing.agent;
    const agent = new GuestAgent(context, placement, await readGuestState(paths.stateFile(id)));
    const subscription = await deps.bus.serve(guestTopic(id), guestHandlers(agent));
    guests.set(id, { agent, subscription });
    heartbeats.add(id, () => agent.heartbeat());
    return agent;
  }

  /** Re-creates the guest agent of an instance found at start; relaunches an engine that should run. */
  async function adoptGuest(
    context: GuestContext,
    found: AdoptedInstance,
  ): Promise<"relaunched" | "adopted" | "idle"> {
    const id = found.placement.instanceId;
    if (found.problem)
      log.warn({ instanceId: id, problem: found.problem }, "instance only partly re-established");
    const agent = await serveGuest(context, found.placement);
    const guest = agent.state;
    if (!guest?.prepared || guest.desired !== "running") return "idle";
    if (found.process.running) return "adopted";
    await agent
      .relaunch(agent.prepared("adopt"))
      .catch((err: unknown) =>
        log.error({ err, instanceId: id }, "could not relaunch the engine; its heartbeats will retry"),
      );
    return "relaunched";
  }

  async function destroyGuest(id: string): Promise<void> {
    checkId(id);
    const served = guests.get(id);
    heartbeats.remove(id);
    if (served) {
      guests.delete(id);
      await served.subscription.close();
      await served.agent.close();
    }
    await deps.provider
      .stop(id, { timeoutMs: 10_000 })
      .catch((err: unknown) => log.warn({ err, instanceId: id }, "clean stop failed; destroying anyway"));
    await deps.provider.destroy(id);
    await removeGuestState(paths.stateFile(id));
    await rm(paths.runDir(id), { recursive: true, force: true });
    await rm(paths.logDir(id), { recursive: true, force: true });
    await rm(paths.walDir(id), { recursive: true, force: true });
    log.info({ instanceId: id }, "instance destroyed");
  }

  /** Starts the warm pools, if any are configured; returns the ids of their members. */
  async function startPool(context: GuestContext, found: AdoptedInstance[]): Promise<Set<string>> {
    const specs = (deps.warmPools ?? []).filter((s) => s.size > 0);
    if (specs.length === 0) return new Set();
    pool = new WarmPool({
      provider: deps.provider,
      context: { ...context, conductor: { heartbeat: async () => undefined, event: async () => undefined } },
      dir: join(paths.root, "pool"),
      hostName: deps.hostName,
      specs,
      destroy: (id) => perInstance.run(id, () => destroyGuest(id)),
      logger: log,
    });
    return pool.start(found);
  }

  return {
    async start() {
      if (state !== "new") throw new InvalidStateError("HOST_AGENT_STARTED", "a host agent starts once");
      state = "started";
      const capabilities = await deps.provider.probe();
      if (capabilities.notEnforced.length > 0) {
        log.warn({ notEnforced: capabilities.notEnforced }, "not isolated or enforced on this host");
      }
      await prepareRoot(paths, capabilities.runAs);
      const templates = new Templates(paths.templatesDir, log);
      await templates.removeLeftovers();
      const context: GuestContext = {
        provider: deps.provider,
        conductor: new ConductorClient(deps.bus),
        logger: log,
        clock: deps.clock,
        paths,
        templates,
        capabilities,
        engineFor: deps.engineFor ?? defaultEngineFor,
        installation: installationProbe(),
        newPassword: deps.newPassword ?? (() => randomBytes(24).toString("base64url")),
        startTimeoutMs: deps.startTimeoutMs ?? 120_000,
        stopTimeoutMs: deps.stopTimeoutMs ?? 60_000,
        // Heartbeats re-measure the volume's usage every few minutes, not every beat (it costs a
        // handful of file operations per instance); operations always measure afresh.
        volumeUsageMaxAgeMs: 300_000,
      };

      const all = await deps.provider.adopt();
      // Warm pool members are instances without an instance row: the pool keeps them, unserved.
      const pooled = await startPool(context, all);
      const found = all.filter((f) => !pooled.has(f.placement.instanceId));
      const counts = { relaunched: 0, adopted: 0, idle: 0, failed: 0 };
      const bound = new Semaphore(4);
      await Promise.all(
        found.map((f) =>
          bound.run(() =>
            adoptGuest(context, f).then(
              (outcome) => void counts[outcome]++,
              (err: unknown) => {
                counts.failed++;
                log.error({ err, instanceId: f.placement.instanceId }, "could not adopt the instance");
              },
            ),
          ),
        ),
      );
      await removeOrphanStates(paths, new Set(all.map((f) => f.placement.instanceId)), log);

      hostSubscription = await deps.bus.serve(
        hostTopic(deps.hostName),
        hostHandlers({
          provision: (request) =>
            perInstance.run(request.instanceId, async () => {
              // A claimed pool member becomes this instance: placed, mounted and limited already.
              const pooled = await pool?.confirm(request.instanceId);
              const { manager, ...spec } = request;
              // The engine's port is the one a public address opens.
              const ports = manager ? [context.engineFor(manager).capabilities.defaultPort] : [];
              const placement = pooled ?? (await deps.provider.provision({ ...spec, ports }));
              await serveGuest(context, placement);
              const { address, publicAddress } = placement;
              return { host: deps.hostName, address, ...(publicAddress ? { publicAddress } : {}) };
            }),
          destroy: (id) =>
            perInstance.run(id, async () => {
              await pool?.forget(id);
              await destroyGuest(id);
            }),
          claimPooled: async (shape) => (pool ? pool.claim(shape) : null),
          releasePooled: async (id) => pool?.release(id),
        }),
        // Requests to this host wait for it across its restarts (and a broker node's loss).
        { service: true },
      );
      liveness = watchLiveness(
        () => [...guests.values()].map((s) => s.agent),
        deps.livenessIntervalMs ?? 2000,
        log,
      );
      log.info({ instances: found.length, ...counts }, "host agent started");
    },

    async stop() {
      if (state !== "started") return;
      state = "stopped";
      clearInterval(liveness);
      await hostSubscription?.close();
      await pool?.stop();
      await heartbeats.stop();
      const all = [...guests.values()];
      guests.clear();
      await Promise.all(all.map((s) => s.subscription.close()));
      await Promise.all(all.map((s) => s.agent.close()));
      log.info({ instances: all.length }, "host agent stopped; engines keep running");
    },
  };
}

/** A state file whose instance the provider no longer holds: a destroy cut short after the provider's part. */
async function removeOrphanStates(paths: GuestPaths, held: Set<string>, log: Logger): Promise<void> {
  const names = await readdir(paths.guestsDir).catch(() => [] as string[]);
  for (const name of names) {
    if (name.endsWith(".tmp")) {
      await rm(`${paths.guestsDir}/${name}`, { force: true }); // a write cut short
      continue;
    }
    const id = name.endsWith(".json") ? name.slice(0, -5) : undefined;
    if (id === undefined || held.has(id)) continue;
    log.info({ instanceId: id }, "removing the guest state of an instance this host no longer holds");
    await removeGuestState(paths.stateFile(id)).catch(() => undefined);
  }
}

/** Looks at every engine's process each interval; a tick still running makes the next one skip. */
function watchLiveness(agents: () => GuestAgent[], intervalMs: number, log: Logger): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void Promise.all(
      agents().map((agent) =>
        agent
          .checkAlive()
          .catch((err: unknown) => log.warn({ err, instanceId: agent.id }, "liveness check failed")),
      ),
    ).finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return timer;
}
