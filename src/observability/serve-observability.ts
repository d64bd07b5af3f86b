import type { Logger } from 'pino';
import { createLogger, flushLogger } from './create-logger.js';
import { startTracing } from './start-tracing.js';

/** Default drain of `warden serve`: long enough for most streams, below Kubernetes' 30 s grace period. */
export const DEFAULT_DRAIN_MS = 25_000;

export interface ServeObservability {
  /** The pino logger to pass to the gateway (`LOG_LEVEL`). */
  logger: Logger;
  /** `WARDEN_DRAIN_MS`: how long a shutdown lets calls in flight finish. */
  drainMs: number;
  /** After the gateway closed: sends buffered spans, writes buffered log lines. */
  shutdown(): Promise<void>;
}

/** Logs, traces and the drain time of a `warden serve` process, from its environment. Throws on invalid values. */
export function serveObservability(env: NodeJS.ProcessEnv): ServeObservability {
  const drainText = env.WARDEN_DRAIN_MS;
  const drainMs = drainText === undefined || drainText === '' ? DEFAULT_DRAIN_MS : Number(drainText);
  if (!Number.isInteger(drainMs) || drainMs < 0) throw new Error(`WARDEN_DRAIN_MS must be a whole number of milliseconds, got "${drainText}"`);
  const logger = createLogger(env.LOG_LEVEL ? { level: env.LOG_LEVEL } : {});
  const tracing = startTracing(env);
  return {
    logger,
    drainMs,
    async shutdown() {
      await tracing?.shutdown().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'trace export failed at shutdown'));
      await flushLogger(logger);
    },
  };
}
