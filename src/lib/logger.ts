import { pino, type Logger as PinoLogger, type DestinationStream } from "pino";

/** The structured logger every component receives. pino's, described by what we call. */
export type Logger = PinoLogger;

/**
 * Keys whose values are never written to a log, wherever they appear (request bodies, headers,
 * bus payloads, engine options). pino's redaction takes paths; `*.x` covers one level of nesting
 * and we add two more so that `{instance: {users: [{password}]}}`-shaped objects stay clean.
 */
const SECRET_KEYS = [
  "password",
  "new_password",
  "admin_password",
  "root_password",
  "secret",
  "token",
  "authorization",
  '"x-auth-token"',
  '"x-subject-token"',
  "cookie",
];

export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((k) => {
  const key = k.startsWith('"') ? `[${k}]` : `.${k}`;
  const bare = k.startsWith('"') ? `[${k}]` : k;
  return [bare, `*${key}`, `*.*${key}`, `*.*.*${key}`, `*.*[*]${key}`, `*.*.*[*]${key}`];
});

export interface LoggerOptions {
  level?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { pid: process.pid },
    },
    options.destination,
  );
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
