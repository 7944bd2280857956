import { access, rename, rm } from "node:fs/promises";
import { CofferError, ConflictError, ErrorKind, ValidationError } from "../domain/index.js";
import { argsError, duringStep } from "./errors.js";
import type { GuestAgent, Prepared } from "./guest-agent.js";
import type { GuestState } from "./guest-state.js";
import type { PrepareRequest, StatusReport } from "./rpc.js";

/**
 * prepare (Trove's do_prepare): a copy of the engine's template on the instance volume →
 * configuration for the flavor → launch → secure (the admin gets its password) → ready →
 * databases → users. Idempotent: a prepare that failed or was cut short starts again where it
 * can; on a prepared instance it only makes sure the engine runs and the databases and users exist.
 */
export async function prepare(agent: GuestAgent, request: PrepareRequest): Promise<StatusReport> {
  if (request.instanceId !== agent.id) {
    throw argsError("prepare", `instance ${request.instanceId} sent to the guest agent of ${agent.id}`);
  }
  const current = agent.state;
  if (current?.prepared) {
    if (current.manager !== request.manager) {
      throw new ConflictError(
        "GUEST_ALREADY_PREPARED",
        `instance ${agent.id} was prepared as ${current.manager}, not ${request.manager}`,
      );
    }
    return ensurePrepared(agent, agent.prepared("prepare"), request);
  }
  agent.transient = "building";
  agent.failed = false;
  await agent.report("building", false);
  let step = "checking the engine installation";
  // Where a prepare spends its time, logged with its end (docs/performance.md reads these).
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const next = (name: string) => {
    const now = performance.now();
    timings[step] = Math.round(now - mark);
    mark = now;
    step = name;
  };
  try {
    const engine = agent.ctx.engineFor(request.manager);
    const installation = await agent.ctx.installation(engine, request.image);
    if (installation.version.split(".")[0] !== request.version.split(".")[0]) {
      throw new ValidationError(
        "GUEST_VERSION_MISMATCH",
        `${request.image} holds ${engine.capabilities.name} ${installation.version}, not ${request.version}`,
      );
    }
    next("preparing the engine's template");
    const template = await agent.ctx.templates.dataDirFor(engine, installation, agent.placement.runAs);
    next("saving the guest state");
    const state: GuestState = {
      instanceId: agent.id,
      manager: request.manager,
      image: request.image,
      version: request.version,
      ramMb: request.ramMb,
      vcpus: request.vcpus,
      overrides: request.overrides,
      // A prepare that was cut short has secured the engine with these already: keep them.
      admin: current?.admin ?? { username: engine.capabilities.adminUser, password: agent.ctx.newPassword() },
      desired: "running",
      prepared: false,
    };
    const p = agent.withEngine(state);
    next("copying the template onto the volume");
    // The state must be saved before the engine gets its admin password (secure), not before the
    // copy: the two go side by side.
    await Promise.all([agent.saveState(state), copyOnce(p, template)]);
    if (Object.keys(state.overrides).length > 0) {
      // A configuration group's values, read by the engine's own parser before it starts with them.
      next("checking the configuration");
      await p.engine.checkConfig(p.layout, await agent.sizing(state), state.overrides);
    }
    next("writing the engine's configuration");
    await agent.configure(p);
    await agent.noteListening(p);
    next("starting the engine");
    await agent.spawn(p);
    next("securing the engine");
    await agent.whileStarting(p, (ms) => p.engine.secure(p.layout, state.admin, ms));
    next("creating the databases");
    await createDatabasesOnceReady(agent, p, request.databases);
    next("creating the users");
    await p.engine.createUsers(p.layout, state.admin, request.users);
    next("saving the prepared state");
    await agent.saveState({ ...state, prepared: true, lastWorking: state.overrides });
    next("done");
    agent.log.info({ manager: request.manager, version: installation.version, timings }, "instance prepared");
  } catch (err) {
    agent.failed = true;
    agent.transient = undefined;
    await agent.report("failed to spawn");
    const error = duringStep(err, agent.id, "prepare", step);
    agent.log.warn({ err: error, code: error.code }, "prepare failed");
    throw error;
  }
  agent.transient = undefined;
  return agent.reportNow();
}

/** A second prepare (a retried task step): the engine runs, the databases and users exist. */
async function ensurePrepared(
  agent: GuestAgent,
  p: Prepared,
  request: PrepareRequest,
): Promise<StatusReport> {
  let step = "starting the engine";
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const next = (name: string) => {
    const now = performance.now();
    timings[step] = Math.round(now - mark);
    mark = now;
    step = name;
  };
  try {
    p = await agent.setDesired("running", "prepare");
    if (!(await agent.isRunning())) await agent.launch(p);
    next("creating the databases");
    await createDatabasesOnceReady(agent, p, request.databases);
    next("creating the users");
    await p.engine.createUsers(p.layout, p.state.admin, request.users);
    next("done");
  } catch (err) {
    throw duringStep(err, agent.id, "prepare", step);
  }
  agent.log.debug({ timings }, "prepared instance checked");
  return agent.reportNow();
}

/**
 * The copy lands beside the data dir and is renamed into place, so a data dir that exists is a
 * whole copy (a prepare cut short mid-copy starts the copy again).
 */
async function copyOnce(p: Prepared, template: string): Promise<void> {
  const { dataDir } = p.layout;
  if (await exists(dataDir)) return;
  const partial = `${dataDir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await p.engine.initializeFromTemplate(template, {
    binDir: p.layout.binDir,
    dataDir: partial,
    runAs: p.layout.runAs,
    ...(p.layout.walDir ? { walDir: p.layout.walDir } : {}),
  });
  await rename(partial, dataDir);
}

/**
 * Creates the databases, asking the engine at once: one that was just secured over its socket, or
 * that was running already (a warm pool's), accepts connections, so a separate readiness probe
 * would only cost a connection. An engine that does not answer (yet) is waited for, then asked again.
 */
async function createDatabasesOnceReady(
  agent: GuestAgent,
  p: Prepared,
  databases: PrepareRequest["databases"],
): Promise<void> {
  const create = () => p.engine.createDatabases(p.layout, p.state.admin, databases);
  // With nothing to create, a driver need not connect at all: then the probe is the only check.
  if (databases.length > 0 && (await create().then(() => true, notAnswering))) return;
  await agent.whileStarting(p, (ms) => p.engine.waitReady(p.layout, p.state.admin, ms));
  await create();
}

/** false when the engine does not answer (yet); any other failure is rethrown. */
function notAnswering(err: unknown): false {
  if (err instanceof CofferError && err.kind === ErrorKind.Unavailable) return false;
  throw err;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
