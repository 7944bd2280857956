import { CofferError, ErrorKind, UnavailableError, type ErrorKind as Kind } from "../domain/index.js";

/**
 * A small JSON client for Coffer's APIs, for CLI commands: sends `X-Auth-Token`, parses JSON,
 * and turns error answers (Trove faults `{"itemNotFound": {"message"}}` or Keystone errors
 * `{"error": {"message"}}`) into CofferErrors whose message reads like the OpenStack clients':
 * `<message> (HTTP <status>)`.
 */

export type FetchLike = typeof fetch;

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface HttpClientOptions {
  /** Prefix of every path, e.g. the database endpoint `http://h:8779/v1.0/<project>`. */
  baseUrl: string;
  token?: string;
  timeoutMs?: number;
  fetch?: FetchLike;
}

const KIND_BY_STATUS: Record<number, Kind> = {
  400: ErrorKind.Validation,
  401: ErrorKind.Unauthorized,
  403: ErrorKind.Forbidden,
  404: ErrorKind.NotFound,
  409: ErrorKind.Conflict,
  413: ErrorKind.QuotaExceeded,
  422: ErrorKind.InvalidState,
  501: ErrorKind.NotImplemented,
  503: ErrorKind.Unavailable,
  504: ErrorKind.Timeout,
};

export class HttpClient {
  constructor(private readonly options: HttpClientOptions) {}

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>("GET", path).then((r) => r.body);
  }
  post<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body).then((r) => r.body);
  }
  put<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("PUT", path, body).then((r) => r.body);
  }
  patch<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("PATCH", path, body).then((r) => r.body);
  }
  delete<T = unknown>(path: string): Promise<T> {
    return this.request<T>("DELETE", path).then((r) => r.body);
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse<T>> {
    const url = this.options.baseUrl.replace(/\/+$/, "") + path;
    const all: Record<string, string> = { accept: "application/json", ...headers };
    if (this.options.token) all["x-auth-token"] = this.options.token;
    if (body !== undefined) all["content-type"] = "application/json";
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        method,
        headers: all,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
    } catch (err) {
      const why =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      throw new UnavailableError("API_UNREACHABLE", `Unable to reach ${url}: ${why}`, { cause: err });
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (response.status >= 400) throw errorFrom(response.status, parsed);
    return { status: response.status, headers: response.headers, body: parsed as T };
  }
}

/** The message of a Trove fault, a Keystone error, or a plain `{"message"}` body. */
export function errorFrom(status: number, body: unknown): CofferError {
  let message: string | undefined;
  if (typeof body === "object" && body !== null) {
    const record = body as Record<string, unknown>;
    const keys = Object.keys(record);
    const inner = keys.length === 1 ? record[keys[0]!] : record;
    if (typeof inner === "object" && inner !== null) {
      const m = (inner as Record<string, unknown>).message;
      if (typeof m === "string") message = m;
    }
    if (message === undefined && typeof record.message === "string") message = record.message;
  } else if (typeof body === "string" && body.trim() !== "") {
    message = body.trim().slice(0, 500);
  }
  const kind = KIND_BY_STATUS[status] ?? (status >= 500 ? ErrorKind.Upstream : ErrorKind.Validation);
  return new CofferError(kind, `HTTP_${status}`, `${message ?? "Request failed"} (HTTP ${status})`, {
    details: { httpStatus: status },
  });
}
