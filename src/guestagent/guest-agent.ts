import { UpstreamError, type EngineFigures, type ServiceStatus } from "../domain/index.js";
import type { InstancePlacement } from "../compute/index.js";
import type { GuestEvent } from "../conductor/index.js";
import type { Logger } from "../lib/index.js";
import type { GuestContext } from "./context.js";
import { listenAddresses, type Engine, type EngineLayout, type EngineSizing } from "./engines/index.js";
import { markLogs, startupProblems, type LogMarks } from "./engine-log.js";
import { closedError, duringStep, engineExited, engineStartTimeout, notPrepared } from "./errors.js";
import { writeGuestState, type GuestState } from "./guest-state.js";
import { recordWorkingConfiguration, rollBackConfiguration } from "./overrides.js";
import type { StatusReport } from "./rpc.js";
import { Serial } from "./serial.js";

/** A guest state for an agent that has been prepared, with the driver it names. */
export interface Prepared {
  state: GuestState;
  engine: Engine;
  layout: EngineLayout;
}

/**
 * One instance's guest agent: owns its engine through the engine driver and the local compute
 * provider, and reports to the conductor. Operations on one instance run one at a time
 * (`serial`); status reads and heartbeats never wait for them. The RPC faces are in
 * guest-handlers.ts, prepare in prepare.ts, resizes in resize.ts.
 */
export class GuestAgent {
  readonly id: string;
  readonly serial = new Serial();
  readonly log: Logger;
  /** What a status read reports while an operation has the engine in transition. */
  transient: ServiceStatus | undefined;
  /** The last prepare failed (until one succeeds). */
  failed = false;
  private closed = false;
  /** Where the engine's log and console ended when it was last launched (engineSays reads on from there). */
  private launchMarks: LogMarks | undefined;
  private usage: { at: number; usedGb: number | null } | undefined;
  /** Set while the engine is found dead and not yet running again. */
  private outage: { failed: boolean } | undefined;

  constructor(
    readonly ctx: GuestContext,
    /** Replaced when the instance's access changes (its public address comes or goes). */
    public placement: InstancePlacement,
    public state: GuestState | undefined,
  ) {
    this.id = placement.instanceId;
    this.log = ctx.logger.child({ instanceId: this.id });
  }

  /** Refuses every later operation; waits (bounded) for the one in flight. */
  async close(waitMs = 15_000): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([this.serial.run(async () => undefined), bound]).finally(() => clearTimeout(timer));
  }

  /** Runs an operation alone on this instance, unless the agent is closed. */
  exclusive<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(closedError(this.id));
    return this.serial.run(async () => {
      if (this.closed) throw closedError(this.id);
      return operation();
    });
  }

  prepared(method: string): Prepared {
    const state = this.state;
    if (!state?.prepared) throw notPrepared(this.id, method);
    return this.withEngine(state);
  }

  withEngine(state: GuestState): Prepared {
    const engine = this.ctx.engineFor(state.manager);
    return { state, engine, layout: this.ctx.paths.layout(engine, state.image, this.placement) };
  }

  /** `listening` is launch's alone to change: callers' copies of the state may predate it. */
  async saveState(state: GuestState): Promise<void> {
    const listening = this.state?.listening;
    await this.writeState(listening === undefined ? state : { ...state, listening });
  }

  private async writeState(state: GuestState): Promise<void> {
    if (this.closed) throw closedError(this.id);
    await writeGuestState(this.ctx.paths.stateFile(this.id), state).catch((err: unknown) => {
      throw new UpstreamError(
        "GUEST_STATE_WRITE_FAILED",
        `could not save the guest state of instance ${this.id}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    });
    this.state = state;
  }

  /** Records what the user wants (a stopped instance stays stopped across restarts of Coffer). */
  async setDesired(desired: GuestState["desired"], method: string): Promise<Prepared> {
    const p = this.prepared(method);
    if (p.state.desired === desired) return p;
    const state = { ...p.state, desired };
    await this.saveState(state);
    return { ...p, state };
  }

  async isRunning(): Promise<boolean> {
    return (await this.ctx.provider.processStatus(this.id)).running;
  }

  /** Writes the configuration for the current sizing and launches the engine (returns once spawned). */
  async launch(p: Prepared): Promise<void> {
    await this.configure(p);
    await this.noteListening(p);
    await this.spawn(p);
  }

  /** Whether the engine was launched to listen elsewhere than the current placement says. */
  listensElsewhere(p: Prepared): boolean {
    return (this.state?.listening ?? p.layout.address) !== listenAddresses(p.layout);
  }

  /** Remembers where the engine is launched to listen (saved only when that is not just its own address). */
  async noteListening(p: Prepared): Promise<void> {
    if (!this.state || !this.listensElsewhere(p)) return;
    await this.writeState({ ...this.state, listening: listenAddresses(p.layout) });
  }

  /** The engine's config files for the state's flavor and overrides (and its run and log dirs). */
  async configure(p: Prepared): Promise<void> {
    await p.engine.renderConfig(p.layout, await this.sizing(p.state), p.state.overrides);
  }

  /** What the engine's settings derive from: the state's flavor and the volume's size. */
  async sizing(state: GuestState): Promise<EngineSizing> {
    const { sizeGb } = await this.ctx.provider.volumeUsage(this.id);
    return { ramMb: state.ramMb, vcpus: state.vcpus, volumeGb: sizeGb };
  }

  /** The provider starts the engine detached (or returns the pid of the one already running). */
  async spawn(p: Prepared): Promise<void> {
    this.launchMarks = await markLogs(this.logFiles(p));
    await this.ctx.provider.launch(this.id, p.engine.launchCommand(p.layout), {
      logFile: this.ctx.paths.consoleLog(this.id),
    });
  }

  /**
   * Launches an engine that died (or was never restarted after a reboot). What it left in its
   * cgroup goes first: a PostgreSQL child still holding the old shared memory would make the
   * new postmaster refuse to start.
   */
  /** The files an engine writes while starting: its console (stdout, stderr), then its own log. */
  logFiles(p: Prepared): string[] {
    return [this.ctx.paths.consoleLog(this.id), p.layout.logFile];
  }

  /**
   * What the engine said was wrong since it was last launched, in its own words (its log lines
   * that report a problem). A log collector that writes after the engine exits gets a moment.
   */
  async engineSays(p: Prepared): Promise<string[]> {
    const read = () => startupProblems(p.engine.capabilities.startupLog, this.logFiles(p), this.launchMarks);
    const said = await read();
    if (said.length > 0) return said;
    await new Promise((resolve) => setTimeout(resolve, 200));
    return read();
  }

  async relaunch(p: Prepared): Promise<void> {
    await this.ctx.provider.stop(this.id, { timeoutMs: 5000 });
    await this.launch(p);
  }

  /**
   * Launches the engine and waits until it answers the admin over TCP. An engine that does not
   * start with a new configuration is started again with the last one it worked with, and the
   * operation fails saying so (overrides.ts); one that starts has its configuration recorded as
   * working.
   */
  async start(p: Prepared, operation: string): Promise<void> {
    try {
      await this.startOnce(p, operation);
    } catch (err) {
      await rollBackConfiguration(this, p, operation, err);
    }
    await recordWorkingConfiguration(this);
  }

  /** Launches the engine and waits until it answers the admin over TCP; nothing more. */
  async startOnce(p: Prepared, operation: string): Promise<void> {
    await this.launch(p).catch((err: unknown) => {
      throw duringStep(err, this.id, operation, "launching the engine");
    });
    await this.whileStarting(p, (ms) => p.engine.waitReady(p.layout, p.state.admin, ms)).catch(
      (err: unknown) => {
        throw duringStep(err, this.id, operation, "waiting for the engine to accept connections");
      },
    );
  }

  async stop(operation: string): Promise<void> {
    await this.ctx.provider.stop(this.id, { timeoutMs: this.ctx.stopTimeoutMs }).catch((err: unknown) => {
      throw duringStep(err, this.id, operation, "stopping the engine");
    });
  }

  /**
   * Repeats a wait in short slices while the engine process lives, so that an engine that dies
   * at start (a bad setting, a full volume) fails the operation at once instead of at the deadline.
   */
  async whileStarting(p: Prepared, wait: (sliceMs: number) => Promise<void>): Promise<void> {
    const deadline = Date.now() + this.ctx.startTimeoutMs;
    for (;;) {
      const slice = Math.max(100, Math.min(1000, deadline - Date.now()));
      try {
        return await wait(slice);
      } catch (err) {
        const timedOut = (err as { code?: string }).code === "ENGINE_START_TIMEOUT";
        if (!timedOut) throw err;
        if (!(await this.isRunning())) {
          throw engineExited(this.id, p.engine.capabilities.name, await this.engineSays(p), this.logFiles(p));
        }
        if (Date.now() >= deadline) throw engineStartTimeout(err, await this.engineSays(p));
      }
    }
  }

  /** What the engine is doing now, by looking (no side effect). */
  async observe(): Promise<ServiceStatus> {
    if (this.transient) return this.transient;
    const state = this.state;
    if (!state?.prepared) return this.failed ? "failed to spawn" : "new";
    if (!(await this.isRunning())) return state.desired === "stopped" ? "shutdown" : "crashed";
    return this.health(this.withEngine(state));
  }

  /** "healthy" when a real query works; "running" when the process is up but the query fails. */
  async health(p: Prepared): Promise<ServiceStatus> {
    return (await this.look(p)).status;
  }

  /** The heartbeat's look: health as above, and the engine's figures read by the same query. */
  async look(p: Prepared): Promise<{ status: ServiceStatus; figures?: EngineFigures }> {
    try {
      const look = await p.engine.observe(p.layout, p.state.admin);
      return look.health === "running" ? { status: "healthy", figures: look.figures } : { status: "running" };
    } catch (err) {
      this.log.warn({ err }, "the engine is up but its health query failed");
      return { status: "running" };
    }
  }

  /** The status with the volume's usage, as every handler returns it. */
  async describe(status: ServiceStatus, freshUsage = false): Promise<StatusReport> {
    return { status, volumeUsedGb: await this.volumeUsedGb(freshUsage) };
  }

  /** Casts a heartbeat with this status (and figures) and returns it as the operation's report. */
  async report(status: ServiceStatus, freshUsage = true, figures?: EngineFigures): Promise<StatusReport> {
    const { volumeUsedGb } = await this.describe(status, freshUsage);
    if (!this.closed) {
      const sentAt = this.ctx.clock.now().getTime();
      const beat = { instanceId: this.id, status, volumeUsedGb, sentAt, ...(figures ? { figures } : {}) };
      await this.ctx.conductor.heartbeat(beat).catch((err: unknown) => {
        this.log.warn({ err }, "heartbeat not sent");
      });
    }
    return { status, volumeUsedGb };
  }

  /** Looks, then reports what it saw. */
  async reportNow(): Promise<StatusReport> {
    return this.report(await this.observe());
  }

  /**
   * Launches an engine found dead again, with the events that say so: `engine.crashed` once per
   * outage, then `engine.relaunched`, or `engine.relaunch_failed` once (the next heartbeats retry).
   */
  private async relaunchAfterCrash(p: Prepared): Promise<void> {
    const outage = this.outage ?? { failed: false };
    if (!this.outage) {
      this.outage = outage;
      this.event("engine.crashed", "the engine process was not running when it should; launching it again");
    }
    try {
      await this.relaunch(p);
      this.outage = undefined;
      this.event("engine.relaunched", "launched again after it was found not running");
    } catch (err) {
      this.log.error({ err }, "could not launch the engine again");
      if (!outage.failed) {
        outage.failed = true;
        const why = err instanceof Error ? err.message : String(err);
        this.event("engine.relaunch_failed", `launching the engine again failed: ${why}`);
      }
    }
  }

  /** Tells the conductor (best effort: an event lost with the bus is only logged). */
  private event(kind: GuestEvent["kind"], cause: string): void {
    const event = { instanceId: this.id, kind, cause, at: this.ctx.clock.now().getTime() };
    this.ctx.conductor
      .event(event)
      .catch((err: unknown) => this.log.warn({ err, event: kind }, "event not sent"));
  }

  private async volumeUsedGb(fresh: boolean): Promise<number | null> {
    const now = Date.now();
    if (!fresh && this.usage && now - this.usage.at < this.ctx.volumeUsageMaxAgeMs) return this.usage.usedGb;
    const usedGb = await this.ctx.provider.volumeUsage(this.id).then(
      (u) => Math.round(u.usedGb * 1000) / 1000,
      (err: unknown) => {
        this.log.debug({ err }, "volume usage unknown");
        return null;
      },
    );
    this.usage = { at: now, usedGb };
    return usedGb;
  }

  /**
   * The periodic look: reports what the engine does, and launches it again when it should run
   * and does not. Skipped while an operation holds the instance (it reports for itself).
   */
  /**
   * Between heartbeats: a look at the process only (two reads under /proc, no query). An engine
   * that should run and does not gets its heartbeat now, which reports it and launches it again.
   */
  async checkAlive(): Promise<void> {
    const state = this.state;
    if (this.closed || !state?.prepared || state.desired !== "running" || this.serial.busy) return;
    if (await this.isRunning()) return;
    await this.heartbeat();
  }

  async heartbeat(): Promise<void> {
    if (this.closed || !this.state?.prepared) return;
    await this.serial.tryRun(async () => {
      const state = this.state;
      if (this.closed || !state?.prepared) return;
      const p = this.withEngine(state);
      if (await this.isRunning()) {
        const look = await this.look(p);
        await this.report(look.status, false, look.figures);
      } else if (state.desired === "stopped") {
        await this.report("shutdown", false);
      } else {
        await this.report("crashed", false);
        this.log.warn("the engine is not running; launching it again");
        await this.relaunchAfterCrash(p);
      }
    });
  }
}
