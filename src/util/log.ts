/** Logging: pino loggers are passed in by options; library code never creates a global logger. */
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/** A logger that drops everything: the default for library components. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
