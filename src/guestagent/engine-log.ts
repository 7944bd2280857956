import { open, stat } from "node:fs/promises";
import type { EngineCapabilities } from "./engines/index.js";

/**
 * Why an engine did not start, in its own words. Engines say it in their log or on their console
 * (PostgreSQL before its logging collector runs, MariaDB in its error log), and both files grow
 * across starts: a launch first notes where each ends (`markLogs`), and the reasons are read from
 * there on, so an old failure is never reported as the new one.
 */

/** How far each file reaches now (0 for one that does not exist yet). */
export type LogMarks = ReadonlyMap<string, number>;

export async function markLogs(files: readonly string[]): Promise<LogMarks> {
  const marks = new Map<string, number>();
  for (const file of files)
    marks.set(
      file,
      await stat(file).then(
        (s) => s.size,
        () => 0,
      ),
    );
  return marks;
}

/** At most this much of each file is read: the end of what was written since the mark. */
const MAX_READ = 64 * 1024;
/** The reasons kept (the last ones: an engine's final lines say why it gave up). */
const MAX_REASONS = 4;
const MAX_REASON_LENGTH = 300;

/**
 * The engine's complaints written after the marks (or, without marks, in the last few KB), in the
 * order written, each once. Empty when it said nothing the engine's `startupLog` recognises.
 */
export async function startupProblems(
  startupLog: EngineCapabilities["startupLog"],
  files: readonly string[],
  marks?: LogMarks,
): Promise<string[]> {
  const found: string[] = [];
  for (const file of files) {
    const text = await readFrom(file, marks?.get(file));
    for (const line of text.split("\n")) {
      const match = startupLog.problem.exec(line);
      const words = match
        ?.slice(1)
        .find((g) => g !== undefined)
        ?.trim();
      if (!words || startupLog.noise?.test(words)) continue;
      const reason = words.length > MAX_REASON_LENGTH ? `${words.slice(0, MAX_REASON_LENGTH)}…` : words;
      if (!found.includes(reason)) found.push(reason);
    }
  }
  return found.slice(-MAX_REASONS);
}

/** The file's text from `mark` (or its last 8 KB without one), at most MAX_READ from its end. */
async function readFrom(file: string, mark: number | undefined): Promise<string> {
  const handle = await open(file, "r").catch(() => undefined);
  if (!handle) return "";
  try {
    const { size } = await handle.stat();
    // A file that shrank (rotated, truncated) since the mark is read from its start.
    const from = mark === undefined ? size - 8192 : mark > size ? 0 : mark;
    const start = Math.max(0, from, size - MAX_READ);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString("utf8");
  } finally {
    await handle.close();
  }
}
