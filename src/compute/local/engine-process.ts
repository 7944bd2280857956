import { TimeoutError } from "../../domain/index.js";
import { sleep } from "../../lib/index.js";
import type { LaunchCommand, ProcessStatus, RunAs } from "../types.js";
import type { InstanceCgroups } from "./cgroups.js";
import {
  childrenOf,
  isAlive,
  readPidRecord,
  removePidRecord,
  signal,
  spawnDetached,
  writePidRecord,
} from "./processes.js";
import { readBootId } from "./proc.js";
import type { Layout } from "./records.js";

/** The one supervised process of each instance: started, recognised, stopped. */
export class EngineProcesses {
  constructor(
    private readonly layout: Layout,
    private readonly cgroups: InstanceCgroups,
  ) {}

  async status(id: string): Promise<ProcessStatus> {
    const record = await readPidRecord(this.layout.pidFile(id));
    if (record && (await isAlive(record))) return { running: true, pid: record.pid };
    return { running: false };
  }

  /** Starts the command unless the instance's process already runs (then returns that one). */
  async launch(
    id: string,
    command: LaunchCommand,
    logFile: string,
    cwd: string,
    runAs: RunAs | undefined,
  ): Promise<{ pid: number }> {
    const current = await this.status(id);
    if (current.running && current.pid !== undefined) return { pid: current.pid };
    const { pid, startTime } = await spawnDetached({
      command,
      logFile,
      cwd,
      ...(runAs ? { runAs } : {}),
      place: async (pid) => {
        await this.cgroups.join(id, pid);
        // Anything it forked before the move is moved too (engines fork later, once started).
        for (const child of await childrenOf(pid)) await this.cgroups.join(id, child).catch(() => {});
      },
    });
    if (startTime === undefined) {
      await removePidRecord(this.layout.pidFile(id)); // it has already ended
      return { pid };
    }
    await writePidRecord(this.layout.pidFile(id), {
      pid,
      startTime,
      bootId: await readBootId(),
      stopSignal: command.stopSignal,
      file: command.file,
      launchedAt: new Date().toISOString(),
    });
    return { pid };
  }

  /** The stop signal, then SIGKILL to the whole process group after `timeoutMs`; then strays in the cgroup. */
  async stop(id: string, timeoutMs: number): Promise<void> {
    const pidFile = this.layout.pidFile(id);
    const record = await readPidRecord(pidFile);
    if (record && (await isAlive(record))) {
      signal(record.pid, record.stopSignal);
      if (!(await this.exited(id, timeoutMs))) {
        if (await isAlive(record)) signal(-record.pid, "SIGKILL"); // the group is ours while its leader is
        if (!(await this.exited(id, 10_000))) {
          throw new TimeoutError("PROCESS_STOP_TIMEOUT", `the process of instance ${id} did not stop`);
        }
      }
    }
    await this.killStrays(id);
    await removePidRecord(pidFile);
  }

  /** Kills at once (for destroy): the process group, then whatever else is in the cgroup. */
  async kill(id: string): Promise<void> {
    const record = await readPidRecord(this.layout.pidFile(id));
    if (record && (await isAlive(record))) {
      signal(-record.pid, "SIGKILL");
      if (!(await this.exited(id, 10_000))) {
        throw new TimeoutError("PROCESS_STOP_TIMEOUT", `the process of instance ${id} did not die`);
      }
    }
    await this.killStrays(id);
    await removePidRecord(this.layout.pidFile(id));
  }

  private async exited(id: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!(await this.status(id)).running) return true;
      if (Date.now() >= deadline) return false;
      await sleep(25);
    }
  }

  /** Processes left in the instance's cgroup after its main process ended. */
  private async killStrays(id: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const members = await this.cgroups.members(id);
      if (members.length === 0) return;
      if (Date.now() >= deadline) {
        throw new TimeoutError(
          "PROCESS_STOP_TIMEOUT",
          `processes ${members.join(", ")} of ${id} did not die`,
        );
      }
      for (const pid of members) signal(pid, "SIGKILL");
      await sleep(25);
    }
  }
}
