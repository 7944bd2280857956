import { isIpv4Cidr, ValidationError } from "../../../domain/index.js";

export interface Access {
  isPublic: boolean;
  allowedCidrs: string[];
}

/** `access: {is_public, allowed_cidrs}` (IPv4 CIDRs, unique), as Trove validates it. */
export function parseAccess(raw: unknown): Access {
  return parseAccessChange(raw, { isPublic: false, allowedCidrs: [] });
}

/**
 * An access change: keys left out keep their current values. (`openstack database instance
 * update --allowed-cidr C` sends no is_public; upstream reads that as false and makes a public
 * instance private as a side effect.)
 */
export function parseAccessChange(raw: unknown, current: Access): Access {
  if (raw === undefined || raw === null) return current;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ValidationError("ACCESS_INVALID", "access must be an object.");
  }
  const {
    is_public: isPublic = current.isPublic,
    allowed_cidrs: cidrs = current.allowedCidrs,
    ...rest
  } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ValidationError("ACCESS_INVALID", `Unknown access key: ${unknown[0]}.`);
  if (typeof isPublic !== "boolean")
    throw new ValidationError("ACCESS_INVALID", "access.is_public must be a boolean.");
  if (!Array.isArray(cidrs) || !cidrs.every(isIpv4Cidr)) {
    throw new ValidationError("ACCESS_INVALID", "access.allowed_cidrs must be a list of IPv4 CIDRs.");
  }
  if (new Set(cidrs).size !== cidrs.length) {
    throw new ValidationError("ACCESS_INVALID", "access.allowed_cidrs must not repeat a CIDR.");
  }
  return { isPublic, allowedCidrs: cidrs };
}
