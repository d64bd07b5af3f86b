import { type DestinationStream, type Logger, pino } from 'pino';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * Keys that must never reach a log line, wherever a caller puts them. Logged objects are
 * built from allowlists already (see completion-log.ts); this is the second line of defence.
 */
const REDACTED = ['authorization', 'apiKey', 'api_key', 'key', 'secret', 'token', 'password', 'headers', 'messages', 'prompt', 'content', 'body', '*.authorization', '*.apiKey', '*.api_key', '*.secret', '*.token', '*.password', '*.headers', '*.messages', '*.prompt', '*.content', '*.body'];

export interface LoggerOptions {
  /** `LOG_LEVEL`; default `info`. An unknown level is refused at startup. */
  level?: string;
  /** Default stdout, written asynchronously (flush on exit with `flushLogger`). */
  destination?: DestinationStream;
}

/** The structured JSON logger of `warden serve` (a `GatewayLogger`). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = (options.level ?? 'info').toLowerCase();
  if (!LEVELS.has(level)) throw new Error(`LOG_LEVEL must be one of ${[...LEVELS].join(', ')}, got "${options.level}"`);
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level,
      base: { service: 'warden' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED, censor: '[redacted]' },
    },
    destination,
  );
}

/** Writes out buffered lines; call before the process exits. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush(() => resolve());
    } catch {
      resolve();
    }
  });
}
