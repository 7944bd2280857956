/**
 * The little printing the configuration commands need: a Property/Value table for one object
 * and a row table for lists, as the `trove` CLI prints them, or the API's JSON with `--json`.
 * (Kept small on purpose: the shared output helpers of the instance commands can replace it.)
 */

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const text = rows.map((row) => headers.map((_h, i) => cell(row[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => row[i]!.length)));
  const rule = "+" + widths.map((w) => "-".repeat(w + 2)).join("+") + "+";
  const line = (cells: readonly string[]) =>
    "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  return [rule, line(headers), rule, ...text.map(line), rule].join("\n") + "\n";
}

/** One object, its properties sorted, as `trove show` prints. */
export function objectTable(record: Record<string, unknown>): string {
  const entries = Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return table(["Property", "Value"], entries);
}

export function listTable(
  records: readonly Record<string, unknown>[],
  fields: readonly string[],
  labels: readonly string[],
): string {
  return table(
    labels,
    records.map((r) => fields.map((f) => r[f])),
  );
}

export function print(json: boolean, value: unknown, render: () => string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + "\n" : render());
}
