import { ErrorKind, type CofferError } from "../domain/index.js";

/**
 * The one mapping from errors to HTTP statuses and Trove's fault bodies
 * (`{"badRequest": {"code": 400, "message": "…"}}`, trove-api.md §1.4). Nothing else in Coffer
 * decides a status code for an error.
 */

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  [ErrorKind.Validation]: 400,
  [ErrorKind.Unauthorized]: 401,
  [ErrorKind.Forbidden]: 403,
  [ErrorKind.NotFound]: 404,
  [ErrorKind.NotAcceptable]: 406,
  [ErrorKind.Conflict]: 409,
  [ErrorKind.QuotaExceeded]: 413,
  [ErrorKind.InvalidState]: 422,
  [ErrorKind.Unprocessable]: 422,
  [ErrorKind.NotImplemented]: 501,
  [ErrorKind.Unavailable]: 503,
  [ErrorKind.Timeout]: 504,
  [ErrorKind.Upstream]: 500,
  [ErrorKind.Internal]: 500,
};

/** Trove's fault names by status; anything else is derived the way webob names it. */
const FAULT_NAMES: Record<number, string> = {
  400: "badRequest",
  401: "unauthorized",
  403: "forbidden",
  404: "itemNotFound",
  405: "badMethod",
  406: "notAcceptable",
  408: "requestTimeout",
  409: "conflict",
  413: "overLimit",
  414: "requestURITooLong",
  415: "badMediaType",
  422: "unprocessableEntity",
  431: "requestHeaderFieldsTooLarge",
  500: "instanceFault",
  501: "notImplemented",
  503: "serviceUnavailable",
  504: "gatewayTimeout",
};

export interface Fault {
  status: number;
  body: Record<string, { code: number; message: string; [extra: string]: unknown }>;
}

export function statusOf(err: CofferError): number {
  return STATUS_BY_KIND[err.kind];
}

export function faultBody(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
): Fault["body"] {
  const name = FAULT_NAMES[status] ?? (status >= 500 ? "serverError" : "badRequest");
  return { [name]: { code: status, message, ...extra } };
}

/**
 * A CofferError as a fault. Internal and upstream failures never show their message to the user
 * (it may hold engine details); they get Trove's "keep this ID" text with the request id instead.
 */
export function toFault(err: CofferError, requestId: string): Fault {
  const status = statusOf(err);
  if (err.kind === ErrorKind.Internal || err.kind === ErrorKind.Upstream) {
    const message = `Internal Server Error. Please keep this ID to help us figure out what went wrong: (${requestId}).`;
    return { status, body: faultBody(status, message) };
  }
  return { status, body: faultBody(status, err.message) };
}

/** HTTP reason phrases for Keystone's error `title`. */
const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Request Entity Too Large",
  414: "Request-URI Too Long",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * The same fault in Keystone's error format, `{"error": {"code", "message", "title"}}`, which is
 * what keystoneauth and the openstack client read under /v3.
 */
export function keystoneErrorBody(fault: Fault): { error: { code: number; message: string; title: string } } {
  const inner = Object.values(fault.body)[0];
  return {
    error: {
      code: fault.status,
      message: inner?.message ?? "",
      title: TITLES[fault.status] ?? (fault.status >= 500 ? "Internal Server Error" : "Bad Request"),
    },
  };
}

/** Whether a request is for the identity API, whose errors use Keystone's format. */
export function isKeystonePath(url: string): boolean {
  return url === "/v3" || url.startsWith("/v3/") || url.startsWith("/v3?");
}
