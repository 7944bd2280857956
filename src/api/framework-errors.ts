import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { CofferError, ValidationError, asCofferError } from "../domain/index.js";
import { faultBody, isKeystonePath, keystoneErrorBody, toFault, type Fault } from "./faults.js";

/**
 * Every error answer in the API's own shape, including the ones the framework and Node's HTTP
 * parser would otherwise write themselves (`{"statusCode": 400, "error": "Bad Request", …}`): a
 * malformed escape in the URL, an over-long path parameter, a header block too large, a broken
 * request line. The route fuzzer (docs/reliability.md) found those; `frameworkErrors` and
 * `clientErrorHandler` route them here.
 */

/** Framework errors (body too large, bad media type, bad URL …) keep their 4xx status, in fault form. */
export function fromFramework(error: FastifyError | CofferError): CofferError {
  if (error instanceof CofferError) return error;
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new ValidationError(error.code ?? "REQUEST_INVALID", frameworkMessage(error), {
      details: { httpStatus: status },
    });
  }
  return asCofferError(error);
}

/** Fastify's messages quote the whole URL back; say what is wrong without echoing it. */
function frameworkMessage(error: FastifyError): string {
  switch (error.code) {
    case "FST_ERR_BAD_URL":
      return "The request URL is not valid: it has a malformed percent-escape.";
    case "FST_ERR_MAX_PARAM_LENGTH":
      return "The request URL is too long: a path component is longer than allowed.";
    default:
      return error.message;
  }
}

/** The status and body of an error for this URL (Keystone's format under /v3). */
export function faultFor(err: CofferError, requestId: string, url: string): Fault {
  const fault = toFault(err, requestId);
  const status = Number(err.details?.httpStatus ?? fault.status);
  const shaped = status === fault.status ? fault : { status, body: faultBody(status, err.message) };
  return isKeystonePath(url) ? { status, body: keystoneErrorBody(shaped) } : shaped;
}

/** `frameworkErrors`: errors Fastify raises before a route is found. */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const err = fromFramework(error);
  const fault = faultFor(err, request.id, request.url);
  request.log.info({ code: err.code, status: fault.status }, err.message);
  void reply.status(fault.status).header("x-openstack-request-id", request.id).send(fault.body);
}

/**
 * `clientErrorHandler`: a request Node's HTTP parser refused (no request object exists). Answers
 * with a fault and closes the connection, as Node does.
 */
export function sendClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const status =
    err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const message =
    status === 431
      ? "The request's headers are larger than allowed."
      : status === 408
        ? "The request was not received in time."
        : "The request is not valid HTTP.";
  const body = JSON.stringify(faultBody(status, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
