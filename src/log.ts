import { pino, type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

/** Field names whose values are secrets wherever they appear in a log object. */
const REDACT = [
  "password",
  "token",
  "secret",
  "cookie",
  "authorization",
  "redis",
  "targets.redis",
  "*.password",
  "*.token",
  "*.secret",
  "*.cookie",
  "*.authorization",
  "headers.cookie",
  "headers.authorization",
];

/** JSON logs on stderr (stdout belongs to command output); human-readable when stderr is a terminal. */
export function createLogger(
  opts: { level?: string; pretty?: boolean; name?: string; destination?: DestinationStream } = {},
): Logger {
  const options = {
    name: opts.name ?? "sessiondoc",
    level: opts.level ?? process.env.LOG_LEVEL ?? "info",
    redact: { paths: REDACT, censor: "***" },
  };
  if (opts.destination) return pino(options, opts.destination);
  const usePretty = opts.pretty ?? process.stderr.isTTY;
  return usePretty
    ? pino(options, pretty({ destination: 2, sync: true, colorize: true }))
    : pino(options, pino.destination({ dest: 2, sync: true }));
}
