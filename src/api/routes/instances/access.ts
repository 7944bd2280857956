import { ValidationError } from "../../../domain/index.js";

export interface Access {
  isPublic: boolean;
  allowedCidrs: string[];
}

const IPV4_CIDR =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** `access: {is_public, allowed_cidrs}` (IPv4 CIDRs, unique), as Trove validates it. */
export function parseAccess(raw: unknown): Access {
  if (raw === undefined || raw === null) return { isPublic: false, allowedCidrs: [] };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ValidationError("ACCESS_INVALID", "access must be an object.");
  }
  const { is_public: isPublic = false, allowed_cidrs: cidrs = [], ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ValidationError("ACCESS_INVALID", `Unknown access key: ${unknown[0]}.`);
  if (typeof isPublic !== "boolean")
    throw new ValidationError("ACCESS_INVALID", "access.is_public must be a boolean.");
  if (!Array.isArray(cidrs) || cidrs.some((c) => typeof c !== "string" || !IPV4_CIDR.test(c))) {
    throw new ValidationError("ACCESS_INVALID", "access.allowed_cidrs must be a list of IPv4 CIDRs.");
  }
  if (new Set(cidrs).size !== cidrs.length) {
    throw new ValidationError("ACCESS_INVALID", "access.allowed_cidrs must not repeat a CIDR.");
  }
  return { isPublic, allowedCidrs: cidrs as string[] };
}
