import { UpstreamError } from "../../domain/index.js";
import { run, type RunResult } from "../../lib/index.js";

/**
 * Runs a host tool (mkfs.ext4, mount, resize2fs, …) with an argument array and turns a failure into
 * the domain's UpstreamError, so callers of the provider never see a raw child-process error.
 */
export async function hostCommand(
  file: string,
  args: readonly string[],
  timeoutMs = 120_000,
  input?: string,
): Promise<RunResult> {
  let result: RunResult;
  try {
    const env = { PATH: HOST_PATH, LC_ALL: "C" };
    result = await run(file, args, { timeoutMs, env, ...(input !== undefined ? { input } : {}) });
  } catch (err) {
    throw new UpstreamError("COMPUTE_COMMAND_FAILED", `could not run ${file}: ${String(err)}`, {
      cause: err,
    });
  }
  if (result.code !== 0) {
    const why = result.signal ? `signal ${result.signal}` : `exit ${result.code}`;
    const output = (result.stderr.trim() || result.stdout.trim()).slice(0, 500);
    throw new UpstreamError(
      "COMPUTE_COMMAND_FAILED",
      `${file} ${args.join(" ")} failed (${why}): ${output}`,
      {
        details: { command: file, exitCode: result.code },
      },
    );
  }
  return result;
}

/** Where host tools are looked up; the engine gets the same PATH unless its driver sets another. */
export const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
