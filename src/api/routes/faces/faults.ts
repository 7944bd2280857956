import type { Fault } from "../../faults.js";

/**
 * Nova's fault names (nova.api.openstack.wsgi.Fault): the same `{"<name>": {"code", "message"}}`
 * shape as Trove's, with Nova's words for 409 and `computeFault` for anything it has no name for.
 */
const NOVA_FAULT_NAMES: Record<number, string> = {
  400: "badRequest",
  401: "unauthorized",
  403: "forbidden",
  404: "itemNotFound",
  405: "badMethod",
  409: "conflictingRequest",
  413: "overLimit",
  415: "badMediaType",
  429: "overLimit",
  501: "notImplemented",
  503: "serviceUnavailable",
};

export function novaFaultBody(status: number, message: string): Fault["body"] {
  return { [NOVA_FAULT_NAMES[status] ?? "computeFault"]: { code: status, message } };
}

/** A fault the API built (Trove's names) in Nova's names. */
export function asNovaFault(fault: Fault): Fault["body"] {
  const inner = Object.values(fault.body)[0];
  return novaFaultBody(fault.status, inner?.message ?? "");
}
