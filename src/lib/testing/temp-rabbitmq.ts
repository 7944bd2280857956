import { spawn, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as amqpConnect } from "amqplib";
import { freePort } from "../net.js";
import { sleep } from "../retry.js";

/**
 * A throwaway RabbitMQ node for tests: its own node name, AMQP, distribution and epmd ports, and
 * its own mnesia/log/config/cookie files in a temp dir, no plugins, the default guest/guest user
 * (which RabbitMQ allows from loopback only, which is where we connect from). Everything it opens
 * listens on 127.0.0.1 only: AMQP, epmd, and the Erlang distribution port. `stop()` stops the node
 * and the epmd we started for it and removes the dir. Starting takes several seconds (Erlang boot
 * plus RabbitMQ's boot steps), so a test file should start one node and share it.
 */
export interface TempRabbitMQ {
  /** amqp://guest:guest@127.0.0.1:<port> */
  url: string;
  /** Stops the node, keeping its data, name and ports: an outage, ended by `start`. */
  halt(): Promise<void>;
  /** Starts the node again (after `halt`, or when created deferred); resolves once it takes AMQP. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface TempRabbitMQOptions {
  /** Pick the ports and start epmd, but not the node itself until `start()`. */
  deferStart?: boolean;
}

/** Where Debian puts the real start script (/usr/sbin/rabbitmq-server only re-execs it via su). */
const SERVER_SCRIPT = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const EPMD = "epmd";
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

export async function startTempRabbitMQ(options: TempRabbitMQOptions = {}): Promise<TempRabbitMQ> {
  if (!existsSync(SERVER_SCRIPT)) throw new Error(`RabbitMQ is not installed (${SERVER_SCRIPT} missing)`);
  // Ports are free "a moment ago"; another test may grab one in between. Retry on a fresh set.
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(options.deferStart === true);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function startOnce(deferStart: boolean): Promise<TempRabbitMQ> {
  const dir = mkdtempSync(join(tmpdir(), "coffer-rabbitmq-"));
  const { epmdPort, amqpPort, distPort } = await distinctFreePorts();
  let epmd: ChildProcess | undefined;
  let node: ChildProcess | undefined;
  // If the test process exits without calling stop(), do not leave a broker running.
  const onExit = (): void => {
    for (const child of [node, epmd]) if (child) killGroup(child, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);

  const halt = async (): Promise<void> => {
    if (node) await stopChild(node);
    node = undefined;
  };
  const stop = async (): Promise<void> => {
    process.removeListener("exit", onExit);
    // Node first (it deregisters from epmd as it goes), then epmd, then the files.
    await halt();
    if (epmd) await stopChild(epmd);
    await rm(dir, { recursive: true, force: true });
  };

  const url = `amqp://guest:guest@127.0.0.1:${amqpPort}`;
  const nodeName = `coffer-test-${process.pid}-${amqpPort}@localhost`;
  const start = async (): Promise<void> => {
    if (node && node.exitCode === null && node.signalCode === null) return;
    const logFd = openSync(join(dir, "console.log"), "a");
    node = spawn(SERVER_SCRIPT, [], {
      cwd: dir,
      // A process group of its own: the script, the Erlang VM and its helpers stop together.
      detached: true,
      stdio: ["ignore", logFd, logFd],
      // A clean environment, so that no RABBITMQ_* setting of the machine or the developer leaks in.
      env: {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        LANG: "C.UTF-8",
        HOME: join(dir, "home"), // the Erlang cookie goes here
        ERL_EPMD_PORT: String(epmdPort),
        RABBITMQ_NODENAME: nodeName,
        RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
        RABBITMQ_NODE_PORT: String(amqpPort),
        RABBITMQ_DIST_PORT: String(distPort),
        RABBITMQ_CONF_ENV_FILE: join(dir, "rabbitmq-env.conf"),
        RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq.conf"), // absent: built-in defaults
        RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, "advanced.config"), // absent too
        RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "enabled_plugins"),
        RABBITMQ_MNESIA_BASE: join(dir, "mnesia"),
        RABBITMQ_LOG_BASE: join(dir, "log"),
        RABBITMQ_PID_FILE: join(dir, "rabbitmq.pid"),
        // No epmd of its own (ours runs on loopback), and the Erlang distribution listens on
        // loopback too: by default it would take the port on every interface.
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}",
      },
    });
    closeSync(logFd);
    await waitUntil(() => acceptsAmqp(url), node, dir, "RabbitMQ to accept AMQP connections");
  };

  try {
    const logFd = openSync(join(dir, "console.log"), "a");
    // epmd runs in the foreground as our child so that we own it and can stop it by pid; the node is
    // told not to start one of its own (-start_epmd false), so nothing is left behind.
    epmd = spawn(EPMD, ["-port", String(epmdPort), "-address", "127.0.0.1"], {
      cwd: dir,
      detached: true,
      stdio: ["ignore", logFd, logFd],
    });
    closeSync(logFd);
    await waitUntil(() => canConnect(epmdPort), epmd, dir, "epmd to listen");

    for (const sub of ["home", "mnesia", "log"]) mkdirSync(join(dir, sub));
    // An empty plugins file: no management UI, no extra boot steps.
    writeFileSync(join(dir, "enabled_plugins"), "[].\n");
    writeFileSync(join(dir, "rabbitmq-env.conf"), "");
    if (!deferStart) await start();
    let stopped: Promise<void> | undefined;
    return { url, halt, start, stop: () => (stopped ??= stop()) };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function distinctFreePorts(): Promise<{ epmdPort: number; amqpPort: number; distPort: number }> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [epmdPort = 0, amqpPort = 0, distPort = 0] = [...ports];
  return { epmdPort, amqpPort, distPort };
}

/** Polls `probe` until true; fails early (with the console log) when `child` exits first. */
async function waitUntil(
  probe: () => Promise<boolean>,
  child: ChildProcess,
  dir: string,
  what: string,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await probe())) {
    const exited = child.exitCode !== null || child.signalCode !== null;
    if (exited || Date.now() > deadline) {
      const why = exited ? `it exited (${child.exitCode ?? child.signalCode})` : "timed out";
      throw new Error(`temp RabbitMQ: waiting for ${what}: ${why}\n${tail(join(dir, "console.log"))}`);
    }
    await sleep(100);
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-30).join("\n");
  } catch {
    return "";
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A full AMQP handshake with the guest user: the broker is booted, not just listening. */
async function acceptsAmqp(url: string): Promise<boolean> {
  try {
    const connection = await amqpConnect(url);
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // The rabbitmq-server script traps TERM and stops the VM cleanly; epmd just exits.
  if (child.pid !== undefined) process.kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the group we created with `detached`
  } catch {
    // already gone
  }
}
