import fc from "fast-check";

/**
 * JSON Schema (the subset TypeBox writes: type, properties, required, additionalProperties, items,
 * min/maxItems, anyOf, enum, const, min/maxLength, pattern, minimum/maximum) → fast-check
 * arbitraries of values that match it (`valid`), sit on its edges (`boundary`) or break it in one
 * place (`invalid`). Strings may come from `hints` (known names and ids, by property name) so that
 * valid requests reach past "not found".
 */

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minProperties?: number;
};

/** Known values by property name (e.g. `flavorRef` → the flavor ids), for valid strings. */
export type Hints = Record<string, readonly unknown[]>;

/** Strings that have broken parsers, SQL, paths and loggers elsewhere. */
export const NASTY_STRINGS: readonly string[] = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\t\n\r",
  "../../../../etc/passwd",
  "%2e%2e%2f",
  "'; DROP TABLE instances; --",
  '" OR 1=1 --',
  "${jndi:ldap://x}",
  "{{7*7}}",
  "<script>alert(1)</script>",
  "\u202e\u0644\u0627",
  "💥🧨",
  "\ud83d",
  "null",
  "true",
  "-1",
  "0",
  "1e309",
  "0x10",
  "NaN",
  "__proto__",
  "constructor",
  "%",
  "_",
  "a".repeat(256),
  "é".repeat(300),
];

const NASTY_NUMBERS: readonly number[] = [
  0,
  -0,
  -1,
  1,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 53,
  Number.MAX_SAFE_INTEGER + 2,
  1e308,
  -1e308,
  0.5,
  1e-300,
];

const types = (s: JsonSchema): string[] =>
  s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];

/** Any JSON value, small, with the nasty strings and numbers mixed in. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom<unknown>(null, true, false, ...NASTY_STRINGS, ...NASTY_NUMBERS),
    fc.string({ maxLength: 20 }),
    fc.integer(),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...NASTY_STRINGS)), tie("v"), {
      maxKeys: 3,
    }),
  ),
})).v;

export function valid(schema: JsonSchema, hints: Hints = {}, name = ""): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => valid(s, hints, name)));
  const ts = types(schema);
  if (ts.length === 0) return anyJson;
  return fc.oneof(...ts.map((t) => validOfType(t, schema, hints, name)));
}

function validOfType(type: string, s: JsonSchema, hints: Hints, name: string): fc.Arbitrary<unknown> {
  switch (type) {
    case "object":
      return validObject(s, hints);
    case "array": {
      const min = s.minItems ?? 0;
      const max = Math.max(min, Math.min(s.maxItems ?? 4, min + 4));
      return fc.array(valid(s.items ?? {}, hints, name), { minLength: min, maxLength: max });
    }
    case "string":
      return validString(s, hints[name]);
    case "integer":
      return fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 });
    case "number":
      return fc.double({
        min: s.minimum ?? -1e6,
        max: s.maximum ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    default:
      return anyJson;
  }
}

function validObject(s: JsonSchema, hints: Hints): fc.Arbitrary<unknown> {
  const props = s.properties ?? {};
  const required = new Set(s.required ?? []);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(props)) record[key] = valid(sub, hints, key);
  const requiredKeys = Object.keys(props).filter((k) => required.has(k));
  const base = Object.keys(record).length === 0 ? fc.constant({}) : fc.record(record, { requiredKeys });
  if (s.additionalProperties === false || Object.keys(props).length > 0) return base;
  // An open object (a dictionary of values, e.g. configuration values): keys from the hints too.
  const keyHints = (hints.__keys ?? []).filter((k): k is string => typeof k === "string");
  const key = keyHints.length > 0 ? fc.oneof(fc.constantFrom(...keyHints), fc.string()) : fc.string();
  const value = typeof s.additionalProperties === "object" ? valid(s.additionalProperties, hints) : anyJson;
  return fc.dictionary(key, value, { minKeys: s.minProperties ?? 0, maxKeys: 4 });
}

function validString(s: JsonSchema, known: readonly unknown[] | undefined): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? Math.max(min, 32);
  const fits = (v: string) => v.length >= min && v.length <= max;
  const options: fc.Arbitrary<string>[] = [];
  if (s.pattern !== undefined) {
    options.push(fc.stringMatching(new RegExp(s.pattern)).filter(fits));
  } else {
    options.push(fc.string({ minLength: min, maxLength: Math.min(max, min + 24) }));
    options.push(fc.stringMatching(/^[a-z][a-z0-9_]{0,14}$/).filter(fits));
  }
  const knownStrings = (known ?? []).filter((v): v is string => typeof v === "string" && fits(v));
  if (knownStrings.length > 0)
    options.push(fc.constantFrom(...knownStrings), fc.constantFrom(...knownStrings));
  return fc.oneof(...options);
}

/** Values on the schema's edges: shortest and longest strings, limits of numbers, empty arrays. */
export function boundary(schema: JsonSchema, hints: Hints = {}): fc.Arbitrary<unknown> {
  const ts = types(schema);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => boundary(s, hints)));
  if (ts.includes("string")) {
    const min = schema.minLength ?? 0;
    const edges = [min, schema.maxLength ?? 255].map((n) => "x".repeat(n));
    return fc.constantFrom(...edges);
  }
  if (ts.includes("integer") || ts.includes("number")) {
    const edges = [schema.minimum, schema.maximum].filter((n): n is number => n !== undefined);
    return edges.length > 0 ? fc.constantFrom(...edges) : fc.constantFrom(0, -1, 2 ** 31 - 1);
  }
  if (ts.includes("object") && schema.properties) {
    // Only the required properties, each on an edge.
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const key of schema.required ?? []) {
      const sub = schema.properties[key];
      if (sub) record[key] = boundary(sub, hints);
    }
    return fc.record(record);
  }
  if (ts.includes("array")) {
    return fc.array(valid(schema.items ?? {}, hints), {
      minLength: schema.minItems ?? 0,
      maxLength: schema.minItems ?? 0,
    });
  }
  return valid(schema, hints);
}

/** A value that breaks the schema in one place (or, through anyOf, may happen to match it). */
export function invalid(schema: JsonSchema, hints: Hints = {}, depth = 0): fc.Arbitrary<unknown> {
  const ts = types(schema);
  const options: fc.Arbitrary<unknown>[] = [wrongType(ts)];
  if (ts.includes("object") && schema.properties && depth < 4) {
    const props = schema.properties;
    const keys = Object.keys(props);
    const whole = valid(schema, hints) as fc.Arbitrary<Record<string, unknown>>;
    // One property broken, the rest valid.
    if (keys.length > 0) {
      options.push(
        fc
          .tuple(whole, fc.constantFrom(...keys))
          .chain(([obj, key]) =>
            invalid(props[key]!, hints, depth + 1).map((bad) => ({ ...obj, [key]: bad })),
          ),
      );
    }
    // A required property missing.
    if ((schema.required ?? []).length > 0) {
      options.push(
        fc.tuple(whole, fc.constantFrom(...schema.required!)).map(([obj, key]) => {
          const copy = { ...obj };
          delete copy[key];
          return copy;
        }),
      );
    }
    // An unknown property.
    options.push(
      fc
        .tuple(whole, fc.constantFrom("__proto__", "constructor", "unexpected", ""), anyJson)
        .map(
          ([obj, key, v]) =>
            JSON.parse(JSON.stringify({ ...obj, [key === "__proto__" ? "x" : key]: v })) as unknown,
        ),
    );
  }
  if (ts.includes("string")) {
    options.push(fc.constantFrom(...NASTY_STRINGS));
    if (schema.maxLength !== undefined) options.push(fc.constant("y".repeat(schema.maxLength + 1)));
    if (schema.minLength) options.push(fc.constant("y".repeat(schema.minLength - 1)));
  }
  if (ts.includes("integer") || ts.includes("number")) {
    options.push(fc.constantFrom(...NASTY_NUMBERS));
    if (schema.minimum !== undefined) options.push(fc.constant(schema.minimum - 1));
    if (schema.maximum !== undefined) options.push(fc.constant(schema.maximum + 1));
  }
  if (ts.includes("array") && depth < 4) {
    options.push(fc.array(invalid(schema.items ?? {}, hints, depth + 1), { minLength: 1, maxLength: 3 }));
    if (schema.minItems) options.push(fc.constant([]));
  }
  if (schema.anyOf && depth < 4) options.push(...schema.anyOf.map((s) => invalid(s, hints, depth + 1)));
  return fc.oneof(...options);
}

function wrongType(ts: string[]): fc.Arbitrary<unknown> {
  const all: [string, unknown][] = [
    ["object", { x: 1 }],
    ["array", [1, "a"]],
    ["string", "text"],
    ["integer", 7],
    ["number", 1.5],
    ["boolean", true],
    ["null", null],
  ];
  const wrong = all.filter(([t]) => !ts.includes(t) && !(t === "integer" && ts.includes("number")));
  return fc.constantFrom(...(wrong.length > 0 ? wrong.map(([, v]) => v) : [null]));
}
