/**
 * How `coffer` prints: bordered, aligned tables like the `trove` CLI's (a Property/Value table for
 * one object, a row table for lists), or with `--json` the API's JSON as it came. Every command
 * formats through here, so the look stays the same everywhere.
 */

/** One cell's text: strings as they are, lists of plain values joined, objects as compact JSON. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== "object")) {
    return value.map(formatCell).join(", ");
  }
  return JSON.stringify(value);
}

/** trove's column labels: `flavor_id` → "Flavor ID", `id` → "ID", `datastore_version` → "Datastore Version". */
export function fieldLabel(field: string): string {
  const label = field.replace(/_/g, " ").replace(/ id\b/g, " ID");
  if (label.length < 3) return label.toUpperCase();
  return label
    .split(" ")
    .map((w) => (w === "" ? w : w[0]!.toUpperCase() + w.slice(1)))
    .join(" ");
}

/**
 * A bordered table. Cells may hold several lines; a column whose cells are all numbers is
 * right-aligned (as prettytable does for trove).
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const text = rows.map((row) => headers.map((_h, i) => formatCell(row[i])));
  const numeric = headers.map((_h, i) => rows.length > 0 && rows.every((row) => typeof row[i] === "number"));
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...text.map((row) => Math.max(...row[i]!.split("\n").map((l) => l.length)))),
  );
  const rule = "+" + widths.map((w) => "-".repeat(w + 2)).join("+") + "+";
  const line = (cells: string[], alignRight: (i: number) => boolean) =>
    "| " +
    cells.map((c, i) => (alignRight(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ") +
    " |";
  const out = [rule, line([...headers], () => false), rule];
  for (const row of text) {
    const split = row.map((c) => c.split("\n"));
    const height = Math.max(1, ...split.map((lines) => lines.length));
    for (let n = 0; n < height; n++) {
      out.push(
        line(
          split.map((lines) => lines[n] ?? ""),
          (i) => numeric[i]!,
        ),
      );
    }
  }
  out.push(rule);
  return out.join("\n") + "\n";
}

export interface ListOptions {
  /** Column labels other than `fieldLabel`'s. */
  labels?: Record<string, string>;
  /** Sort the rows by this field (numbers numerically); by default the API's order is kept. */
  sortBy?: string;
}

/** Rows of records as a table of the given fields. */
export function listTable(
  records: readonly Record<string, unknown>[],
  fields: readonly string[],
  options: ListOptions = {},
): string {
  const rows = [...records];
  const key = options.sortBy;
  if (key !== undefined) {
    rows.sort((a, b) => {
      const x = a[key];
      const y = b[key];
      if (typeof x === "number" && typeof y === "number") return x - y;
      return formatCell(x).localeCompare(formatCell(y));
    });
  }
  return renderTable(
    fields.map((f) => options.labels?.[f] ?? fieldLabel(f)),
    rows.map((r) => fields.map((f) => r[f])),
  );
}

/** One object as a Property/Value table, sorted by property (as trove prints `show`). */
export function propertyTable(record: Record<string, unknown>): string {
  const entries = Object.entries(record)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return renderTable(["Property", "Value"], entries);
}

/** Pretty JSON with a final newline. */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

/** Where a command writes; tests pass their own. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** Prints `json` as JSON with --json, else the table `render` makes of it. */
export function printResult(output: Output, json: boolean, value: unknown, render: () => string): void {
  output.out(json ? formatJson(value) : render());
}
