import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "../../src/lib/index.js";

/**
 * Debian's `prometheus`, started by a test on a free port with the example configuration from
 * docs/prometheus (its target, credential file and intervals replaced), storing in a temp dir.
 */
export interface PrometheusServer {
  url: string;
  /** An instant PromQL query; throws when Prometheus refuses it. */
  query(promql: string): Promise<Sample[]>;
  get<T>(path: string): Promise<T>;
  output(): string;
  close(): Promise<void>;
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

const docs = new URL("../../../docs/prometheus/", import.meta.url).pathname;

export async function startPrometheus(target: string, credential: string): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), "coffer-prom-"));
  const port = await freePort();
  const credentialFile = join(dir, "coffer-metrics-token");
  await writeFile(credentialFile, credential, { mode: 0o600 });
  const config = (await readFile(join(docs, "prometheus.yml"), "utf8"))
    .replace(/scrape_interval: 15s/, "scrape_interval: 1s")
    .replace(/evaluation_interval: 15s/, "evaluation_interval: 1s")
    .replace("/etc/prometheus/coffer-metrics-token", credentialFile)
    .replace("coffer-rules.yml", join(docs, "coffer-rules.yml"))
    .replace('"127.0.0.1:8779"', JSON.stringify(target));
  await writeFile(join(dir, "prometheus.yml"), config);
  let output = "";
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    await rm(dir, { recursive: true, force: true });
  };
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  try {
    await waitFor(
      async () => ((await fetch(`${url}/-/ready`).catch(() => undefined))?.ok ? true : undefined),
      {
        timeoutMs: 30_000,
        what: `Prometheus to be ready (${output.slice(-2000)})`,
      },
    );
  } catch (err) {
    await close();
    throw err;
  }
  return {
    url,
    output: () => output,
    get,
    async query(promql) {
      const data = await get<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent(promql)}`,
      );
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    close,
  };
}
