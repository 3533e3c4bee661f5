import { type DestinationStream, type Level, type LevelWithSilent, type Logger, pino } from 'pino';

export type { DestinationStream, Level, LevelWithSilent, Logger };

/**
 * The process's root logger: pino JSON lines on stdout (or `destination`, which tests use to read the
 * lines back), at the configured level, with bearer tokens redacted from logged requests.
 */
export function createLogger(opts: { level: LevelWithSilent; destination?: DestinationStream }): Logger {
  const options = { level: opts.level, redact: ['req.headers.authorization'] };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
