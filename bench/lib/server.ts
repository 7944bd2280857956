/**
 * A real Coffer server for a benchmark, started the way the end-to-end tests start one (own port,
 * data dir, address range, compute dir and cgroup parent), with unlimited quotas, plus a logged-in
 * API client. `close()` deletes what the benchmark left and removes everything.
 */
import { startCoffer, type CofferServer } from "../../test/support/coffer-server.js";
import { deleteAll, login, type ApiClient } from "../../test/support/api.js";

export const HEARTBEAT_SECONDS = 30;

export interface BenchServer {
  server: CofferServer;
  api: ApiClient;
  /** The server process's pid (for its CPU and memory). */
  pid(): number;
  close(): Promise<void>;
}

export async function startBenchServer(
  extraArgs: string[] = [],
  nodeArgs: string[] = [],
): Promise<BenchServer> {
  const server = await startCoffer({
    nodeArgs,
    extraArgs: [
      "--quota-instances",
      "-1",
      "--quota-volumes",
      "-1",
      // The defaults (Trove's report_interval and agent_heartbeat_expiry), not the tests' 1 s.
      "--heartbeat-interval",
      String(HEARTBEAT_SECONDS),
      "--heartbeat-expiry",
      "60",
      ...extraArgs,
    ],
  });
  try {
    const api = await login(server.url, server.env);
    return {
      server,
      api,
      pid: () => server.pid(),
      async close() {
        await deleteAll(api).catch(() => undefined);
        await server.close();
      },
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}
