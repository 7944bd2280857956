import type { JsonValue } from "../bus/index.js";
import { isIpv4Cidr, isManager } from "../domain/index.js";
import { argsError } from "./errors.js";
import type {
  AccessRequest,
  DatabaseSpec,
  Overrides,
  PlacementRequest,
  PoolShape,
  PrepareRequest,
  UserSpec,
} from "./rpc.js";

/**
 * What arrives over the bus is checked before it is used: a malformed call is a
 * GUEST_ARGS_INVALID (400-like) error naming the field, never a crash halfway through.
 * Values (name lengths, sizes) are checked further by the engine driver and the provider.
 */

export type Obj = Record<string, unknown>;

export function object(method: string, value: unknown, what: string): Obj {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw argsError(method, `${what} must be an object`);
  }
  return value as Obj;
}

export function str(method: string, o: Obj, key: string): string {
  const v = o[key];
  if (typeof v !== "string" || v === "") throw argsError(method, `${key} must be a non-empty string`);
  return v;
}

export function optStr(method: string, o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw argsError(method, `${key} must be a string`);
  return v;
}

function positiveInt(method: string, o: Obj, key: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw argsError(method, `${key} must be a positive integer`);
  }
  return v;
}

export function list(method: string, o: Obj, key: string): unknown[] {
  const v = o[key] ?? [];
  if (!Array.isArray(v)) throw argsError(method, `${key} must be a list`);
  return v;
}

export function parsePlacementRequest(args: JsonValue): PlacementRequest {
  const o = object("provision", args, "the request");
  const { isPublic, allowedCidrs } = parseAccessRequest("provision", o);
  const manager = optStr("provision", o, "manager");
  if (manager !== undefined && !isManager(manager))
    throw argsError("provision", `unknown manager ${manager}`);
  return {
    instanceId: str("provision", o, "instanceId"),
    volumeSizeGb: positiveInt("provision", o, "volumeSizeGb"),
    ramMb: positiveInt("provision", o, "ramMb"),
    vcpus: positiveInt("provision", o, "vcpus"),
    isPublic,
    allowedCidrs,
    ...(manager !== undefined ? { manager } : {}),
  };
}

/** `isPublic` and `allowedCidrs` (IPv4 CIDRs; absent is none). */
export function parseAccessRequest(method: string, args: unknown): AccessRequest {
  const o = object(method, args, "the request");
  if (typeof o.isPublic !== "boolean") throw argsError(method, "isPublic must be a boolean");
  const allowedCidrs = list(method, o, "allowedCidrs");
  if (!allowedCidrs.every(isIpv4Cidr)) throw argsError(method, "allowedCidrs must be IPv4 CIDRs");
  return { isPublic: o.isPublic, allowedCidrs };
}

export function parsePoolShape(args: JsonValue): PoolShape {
  const m = "claim_pooled";
  const o = object(m, args, "the request");
  const manager = str(m, o, "manager");
  if (!isManager(manager)) throw argsError(m, `unknown manager ${manager}`);
  return {
    manager,
    image: str(m, o, "image"),
    version: str(m, o, "version"),
    ramMb: positiveInt(m, o, "ramMb"),
    vcpus: positiveInt(m, o, "vcpus"),
    volumeSizeGb: positiveInt(m, o, "volumeSizeGb"),
  };
}

export function parseInstanceId(method: string, args: JsonValue): string {
  return str(method, object(method, args, "the request"), "instanceId");
}

export function parsePrepareRequest(args: JsonValue): PrepareRequest {
  const m = "prepare";
  const o = object(m, args, "the request");
  const manager = str(m, o, "manager");
  if (!isManager(manager)) throw argsError(m, `unknown datastore manager "${manager}"`);
  const databases = list(m, o, "databases").map((d) => parseDatabaseSpec(m, d));
  const users = list(m, o, "users").map((u) => parseUserSpec(m, u));
  const overrides = parseOverrideValues(m, o.overrides ?? {});
  return {
    instanceId: str(m, o, "instanceId"),
    manager,
    image: str(m, o, "image"),
    version: str(m, o, "version"),
    ramMb: positiveInt(m, o, "ramMb"),
    vcpus: positiveInt(m, o, "vcpus"),
    volumeSizeGb: positiveInt(m, o, "volumeSizeGb"),
    databases,
    users,
    overrides,
  };
}

export function parseDatabaseSpec(m: string, value: unknown): DatabaseSpec {
  const db = object(m, value, "each database");
  const spec: DatabaseSpec = { name: str(m, db, "name") };
  const characterSet = optStr(m, db, "characterSet");
  const collate = optStr(m, db, "collate");
  if (characterSet !== undefined) spec.characterSet = characterSet;
  if (collate !== undefined) spec.collate = collate;
  return spec;
}

export function names(m: string, values: unknown[], what: string): string[] {
  return values.map((name) => {
    if (typeof name !== "string") throw argsError(m, `${what} must be names`);
    return name;
  });
}

export function parseUserSpec(m: string, value: unknown): UserSpec {
  const user = object(m, value, "each user");
  const spec: UserSpec = {
    name: str(m, user, "name"),
    password: str(m, user, "password"),
    databases: names(m, list(m, user, "databases"), "a user's databases"),
  };
  const host = optStr(m, user, "host");
  if (host !== undefined) spec.host = host;
  return spec;
}

function parseOverrideValues(method: string, value: unknown): Overrides {
  const overrides = object(method, value, "overrides");
  for (const [key, v] of Object.entries(overrides)) {
    if (!["string", "number", "boolean"].includes(typeof v)) {
      throw argsError(method, `override ${key} must be a string, a number or a boolean`);
    }
  }
  return overrides as Overrides;
}

/** `{ overrides: {…} }` of check_overrides and update_overrides. */
export function parseOverrides(method: string, args: JsonValue): Overrides {
  return parseOverrideValues(method, object(method, args, "the request").overrides);
}

export function parseResizeVolume(args: JsonValue): number {
  return positiveInt("resize_volume", object("resize_volume", args, "the request"), "sizeGb");
}

export function parseResizeFlavor(args: JsonValue): { ramMb: number; vcpus: number } {
  const o = object("resize_flavor", args, "the request");
  return { ramMb: positiveInt("resize_flavor", o, "ramMb"), vcpus: positiveInt("resize_flavor", o, "vcpus") };
}
