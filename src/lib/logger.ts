import { createRequire } from "node:module";
import { pino, type Logger as PinoLogger, type DestinationStream } from "pino";
import type { PrettyOptions } from "pino-pretty";

/** The structured logger every component receives. pino's, described by what we call. */
export type Logger = PinoLogger;

/**
 * Keys whose values are never written to a log, wherever they appear (request bodies, headers,
 * bus payloads, engine options). pino's redaction takes paths; `*.x` covers one level of nesting
 * and we add two more so that `{instance: {users: [{password}]}}`-shaped objects stay clean.
 * Redaction happens when pino serialises a line, before either format below sees it.
 */
const SECRET_KEYS = [
  "password",
  "new_password",
  "admin_password",
  "root_password",
  "secret",
  "token",
  "metricsToken",
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

/**
 * `json`: one JSON object a line, for log collectors. `pretty`: lines a person reads — time,
 * level, component, message, then the other fields on the same line. `auto` (the server's
 * default): pretty when the output is a terminal, JSON otherwise (piped, redirected, a service).
 */
export const LOG_FORMATS = ["auto", "pretty", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  level?: string;
  /** Default `json`; `auto` looks at whether stdout is a terminal. */
  format?: LogFormat;
  /** Where to write; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
  /** Colours in the pretty format; default: when stdout is a terminal and NO_COLOR is unset. */
  colorize?: boolean;
}

/** Whether `auto` means pretty here: a person is reading stdout. */
export function prettyFor(format: LogFormat, isTTY = Boolean(process.stdout.isTTY)): boolean {
  return format === "pretty" || (format === "auto" && isTTY);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { pid: process.pid },
  };
  if (!prettyFor(options.format ?? "json")) return pino(settings, options.destination);
  const colorize = options.colorize ?? (Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);
  return pino(settings, prettyStream(colorize, options.destination));
}

/**
 * pino-pretty in this process (not a worker thread: the server logs little, and a line must be
 * out before a crash), synchronous, e.g.
 * `[14:02:07.153] WARN: taskmanager: task failed {"taskId":"…","code":"ENGINE_START_TIMEOUT"}`.
 */
function prettyStream(colorize: boolean, destination?: DestinationStream): DestinationStream {
  // Loaded on use: CLI commands and JSON logs never pay for it.
  const { build } = createRequire(import.meta.url)("pino-pretty") as {
    build: (options: PrettyOptions) => DestinationStream;
  };
  return build({
    colorize,
    sync: true,
    singleLine: true,
    translateTime: "SYS:HH:MM:ss.l",
    // `http`: a request's fields, which its line's message already holds.
    ignore: "pid,hostname,component,http",
    messageFormat: "{if component}{component}: {end}{msg}",
    ...(destination ? { destination } : {}),
  });
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
