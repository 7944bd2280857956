import type { FastifyReply, FastifyRequest } from "fastify";
import { NotAcceptableError, ValidationError } from "../../../../domain/index.js";

/**
 * Nova's microversions (`OpenStack-API-Version: compute 2.X`, or the older
 * `X-OpenStack-Nova-API-Version: 2.X`). The face serves exactly 2.1: every client negotiates down
 * to it (novaclient, openstacksdk, Horizon, tempest all do), and it keeps each view to one shape.
 * A request for a version outside [MIN, MAX] gets Nova's 406; `latest` means MAX.
 */
export const MIN_MICROVERSION = "2.1";
export const MAX_MICROVERSION = "2.1";

export interface Microversion {
  major: number;
  minor: number;
}

const parse = (v: string): Microversion => {
  const [major, minor] = v.split(".").map(Number);
  return { major: major!, minor: minor! };
};
const MIN = parse(MIN_MICROVERSION);
const MAX = parse(MAX_MICROVERSION);

const compare = (a: Microversion, b: Microversion) => a.major - b.major || a.minor - b.minor;
const format = (v: Microversion) => `${v.major}.${v.minor}`;

/** The version a request asks for (MIN when it names none), or a 400/406 as Nova answers. */
export function requestedMicroversion(headers: FastifyRequest["headers"]): Microversion {
  const text = fromHeaders(headers);
  if (text === undefined) return MIN;
  if (text.toLowerCase() === "latest") return MAX;
  if (!/^[1-9]\d*\.(0|[1-9]\d*)$/.test(text)) {
    throw new ValidationError(
      "COMPUTE_VERSION_INVALID",
      `API Version String ${text} is of invalid format. Must be of format MajorNum.MinorNum.`,
    );
  }
  const asked = parse(text);
  if (compare(asked, MIN) < 0 || compare(asked, MAX) > 0) {
    throw new NotAcceptableError(
      "COMPUTE_VERSION_UNSUPPORTED",
      `Version ${text} is not supported by the API. Minimum is ${MIN_MICROVERSION} and maximum is ${MAX_MICROVERSION}.`,
    );
  }
  return asked;
}

/** `OpenStack-API-Version: compute 2.1, …` (the new header wins) or `X-OpenStack-Nova-API-Version`. */
function fromHeaders(headers: FastifyRequest["headers"]): string | undefined {
  const modern = headers["openstack-api-version"];
  for (const item of (Array.isArray(modern) ? modern.join(",") : (modern ?? "")).split(",")) {
    const [service, version] = item.trim().split(/\s+/);
    if (service?.toLowerCase() === "compute" && version !== undefined) return version;
  }
  const legacy = headers["x-openstack-nova-api-version"];
  const value = Array.isArray(legacy) ? legacy[0] : legacy;
  return value?.trim() || undefined;
}

/** The headers every versioned compute response carries, errors included. */
export function setMicroversionHeaders(reply: FastifyReply, version: Microversion): void {
  reply.header("openstack-api-version", `compute ${format(version)}`);
  reply.header("x-openstack-nova-api-version", format(version));
  reply.header("vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
}
