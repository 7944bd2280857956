import fc from "fast-check";
import {
  NASTY_STRINGS,
  anyJson,
  boundary,
  invalid,
  valid,
  type Hints,
  type JsonSchema,
} from "./schema-arb.js";

/**
 * Requests for one operation of the OpenAPI document, as one caller: path parameters from the
 * fixture's known ids (by the collection the parameter follows) or made up, query strings from the
 * documented parameters and others, headers with the caller's token or a broken one, and bodies
 * that are valid, on the edges, invalid in one place, any JSON, not JSON, empty or oversized.
 */

export interface OpenApiParameter {
  in: "path" | "query" | "header";
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

export interface OpenApiOperation {
  tags?: string[];
  security?: unknown[];
  parameters?: OpenApiParameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

export interface Operation {
  method: string;
  /** OpenAPI form: `/v1.0/{projectId}/instances/{id}`. */
  path: string;
  op: OpenApiOperation;
}

export function operationsOf(doc: OpenApiDoc): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

export type CallerKind = "admin" | "member" | "reader" | "other" | "anonymous";

export interface Caller {
  kind: CallerKind;
  /** Absent for the anonymous caller. */
  token?: string;
  projectId?: string;
  userId?: string;
}

export interface FuzzContext {
  callers: readonly Caller[];
  /** Known ids and names by the collection a path parameter follows (`instances`, `users`, …). */
  ids: Record<string, readonly string[]>;
  /**
   * Ids that writes by the fixture's own project (and the admin) may target instead, so the
   * fuzzer does not delete the users and groups the rest of the run needs: by collection.
   */
  spares: Record<string, readonly string[]>;
  hints: Hints;
  /** Tokens that deletes (revocations) may name as their subject. */
  spareTokens: readonly string[];
}

export type BodyKind = "none" | "valid" | "boundary" | "invalid" | "json" | "text" | "oversized" | "deep";

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  caller: CallerKind;
  body: BodyKind;
}

/** encodeURIComponent, except that a lone surrogate goes out as its (invalid) UTF-8 bytes. */
function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "")) + "%ED%A0%BD";
  }
}

const PARAM_NASTY = [
  ...NASTY_STRINGS.filter((s) => s !== ""),
  "x".repeat(10_000),
  "00000000-0000-0000-0000-000000000000",
  "%ff",
  "%",
  "..",
  ".",
];

/** A segment for a path parameter; `raw` segments are sent as they are (broken escapes). */
function paramArb(
  path: string,
  name: string,
  caller: Caller,
  ctx: FuzzContext,
  method: string,
): fc.Arbitrary<string> {
  if (name === "projectId") {
    const own = caller.projectId ?? "none";
    const others = ctx.callers.map((c) => c.projectId).filter((p): p is string => !!p);
    return fc.oneof(
      { arbitrary: fc.constant(own), weight: 12 },
      { arbitrary: fc.constantFrom(...others), weight: 1 },
      { arbitrary: fc.constantFrom(...PARAM_NASTY).map(encode), weight: 1 },
    );
  }
  const segments = path.split("/");
  const collection = segments[segments.indexOf(`{${name}}`) - 1] ?? "";
  const ownWrite = method !== "GET" && caller.kind !== "other" && caller.kind !== "anonymous";
  const spare = ownWrite ? ctx.spares[collection] : undefined;
  const known = spare ?? ctx.ids[collection] ?? Object.values(ctx.ids).flat();
  const options: { arbitrary: fc.Arbitrary<string>; weight: number }[] = [
    { arbitrary: fc.uuid(), weight: 1 },
    { arbitrary: fc.constantFrom(...PARAM_NASTY).map(encode), weight: 2 },
    { arbitrary: fc.constantFrom("%zz", "%00", "a%2Fb", "%C0%AE"), weight: 1 },
    { arbitrary: fc.string({ minLength: 1, maxLength: 12 }).map(encode), weight: 1 },
  ];
  if (known.length > 0) {
    options.push({ arbitrary: fc.constantFrom(...known).map(encode), weight: 10 });
  }
  return fc.oneof(...options);
}

function queryArb(op: OpenApiOperation, hints: Hints): fc.Arbitrary<string> {
  const documented = (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
  const names = [...new Set([...documented, "limit", "marker", "name", "enabled", "include_clustered"])];
  const value = fc.oneof(
    fc.constantFrom("1", "0", "-1", "20", "true", "false", "abc", "99999999999999999999", "1.5"),
    fc.constantFrom(...NASTY_STRINGS),
    fc.constantFrom(
      "x",
      ...Object.values(hints)
        .flat()
        .filter((v): v is string => typeof v === "string"),
    ),
    fc.constant("q".repeat(5000)),
  );
  const pair = fc.tuple(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 6 })), value);
  return fc.oneof(
    { arbitrary: fc.constant(""), weight: 4 },
    {
      arbitrary: fc
        .array(pair, { minLength: 1, maxLength: 4 })
        .map((pairs) => "?" + pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&")),
      weight: 4,
    },
    // Broken query strings, sent raw.
    {
      arbitrary: fc.constantFrom("?", "?&&", "?limit", "?limit=%zz", "?=x", "?a[b]=c", "?limit=1&limit=2"),
      weight: 1,
    },
  );
}

function headersArb(
  caller: Caller,
  ctx: FuzzContext,
  method: string,
  hasBody: boolean,
): fc.Arbitrary<Record<string, string>> {
  const tokens = ctx.callers.map((c) => c.token).filter((t): t is string => !!t);
  const token: fc.Arbitrary<string | undefined> = caller.token
    ? fc.oneof(
        { arbitrary: fc.constant(caller.token), weight: 20 },
        {
          arbitrary: fc.constantFrom<string | undefined>(undefined, "", "garbage", "t".repeat(20_000)),
          weight: 1,
        },
      )
    : fc.constantFrom<string | undefined>(undefined, undefined, undefined, "", "not-a-token", "%00");
  const contentType = fc.oneof(
    { arbitrary: fc.constant("application/json"), weight: 12 },
    {
      arbitrary: fc.constantFrom(
        undefined,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin1",
        "*/*",
        "",
      ),
      weight: 2,
    },
  );
  // A revoked subject would be one of the fixture's own tokens: deletes name a spare one.
  const subjects = method === "DELETE" ? [...ctx.spareTokens] : tokens;
  const subject = fc.oneof(fc.constant(undefined), fc.constantFrom(...subjects, "garbage", ""));
  const extra = fc.oneof(
    { arbitrary: fc.constant({}), weight: 8 },
    {
      arbitrary: fc.constantFrom<Record<string, string>>(
        { accept: "application/xml" },
        { accept: "application/vnd.openstack.trove+json;version=99" },
        { "x-openstack-request-id": "req-injected\r\nx: y".replace(/[\r\n]/g, "") },
        { "x-forwarded-proto": "gopher" },
        { host: "evil.example" },
        { "x-roles": "admin" },
        { "x-tenant-id": "someone-else" },
      ),
      weight: 1,
    },
  );
  return fc.tuple(token, contentType, subject, extra).map(([t, ct, s, x]) => {
    const h: Record<string, string> = { ...x };
    if (t !== undefined) h["x-auth-token"] = t;
    if (hasBody && ct !== undefined) h["content-type"] = ct;
    if (s !== undefined) h["x-subject-token"] = s;
    return h;
  });
}

const DEEP = "[".repeat(20_000) + "]".repeat(20_000);

function bodyArb(
  op: OpenApiOperation,
  method: string,
  hints: Hints,
): fc.Arbitrary<[BodyKind, string | undefined]> {
  const schema = op.requestBody?.content["application/json"]?.schema;
  const json = (kind: BodyKind, arb: fc.Arbitrary<unknown>) =>
    arb.map((v): [BodyKind, string | undefined] => [kind, JSON.stringify(v)]);
  const writes = method === "POST" || method === "PUT" || method === "PATCH";
  const options: { arbitrary: fc.Arbitrary<[BodyKind, string | undefined]>; weight: number }[] = [
    {
      arbitrary: fc.constant<[BodyKind, string | undefined]>(["none", undefined]),
      weight: writes ? 10 : 100,
    },
    { arbitrary: json("json", anyJson), weight: 15 },
    {
      arbitrary: fc
        .constantFrom("{", "nul", "{'a':1}", '{"a":1,}', "\u0000", "<xml/>", "a=b&c=d", "{}{}", "\ufeff{}")
        .map((t): [BodyKind, string | undefined] => ["text", t]),
      weight: 5,
    },
    {
      arbitrary: fc.constant<[BodyKind, string | undefined]>([
        "oversized",
        JSON.stringify({ x: "o".repeat(1_100_000) }),
      ]),
      weight: 1,
    },
    { arbitrary: fc.constant<[BodyKind, string | undefined]>(["deep", DEEP]), weight: 1 },
  ];
  if (schema) {
    options.push(
      { arbitrary: json("valid", valid(schema, hints)), weight: 60 },
      { arbitrary: json("boundary", boundary(schema, hints)), weight: 15 },
      { arbitrary: json("invalid", invalid(schema, hints)), weight: 50 },
    );
  } else if (writes) {
    // No schema: the handler checks the body; objects keyed by the names it may look for.
    const keys = Object.keys(hints).filter((k) => !k.startsWith("__"));
    const obj = fc.dictionary(fc.oneof(fc.constantFrom("x", ...keys), fc.string({ maxLength: 8 })), anyJson, {
      minKeys: 1,
      maxKeys: 2,
    });
    options.push({ arbitrary: json("valid", obj), weight: 60 });
  }
  return fc.oneof(...options);
}

export function requestArb(
  operation: Operation,
  caller: Caller,
  ctx: FuzzContext,
): fc.Arbitrary<FuzzRequest> {
  const { method, path, op } = operation;
  const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const params = fc.tuple(...names.map((n) => paramArb(path, n, caller, ctx, method)));
  return fc
    .tuple(params, queryArb(op, ctx.hints), bodyArb(op, method, ctx.hints))
    .chain(([values, query, [body, payload]]) =>
      headersArb(caller, ctx, method, payload !== undefined).map((headers) => {
        let url = path;
        names.forEach((n, i) => (url = url.replace(`{${n}}`, values[i]!)));
        return {
          method,
          url: url + query,
          headers,
          ...(payload !== undefined ? { payload } : {}),
          caller: caller.kind,
          body,
        };
      }),
    );
}
