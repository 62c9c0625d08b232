/**
 * @module The node's logger: pino JSON lines on stdout, level from --log.level, changeable at
 * runtime (PUT /api/log/level). pino's children keep the level they were made with, so the node's
 * logger remembers its children and a level change reaches them too.
 */
import { pino, type Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const childrenOf = new WeakMap<Logger, Set<Logger>>();

export function createLogger(level: string, nodeId: string): Logger {
  const children = new Set<Logger>();
  const logger = pino({
    level: level.toLowerCase(),
    base: { node: nodeId },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Inherited by children, so grandchildren register too. The node makes a handful, once.
    onChild: (child) => children.add(child),
  });
  childrenOf.set(logger, children);
  return logger;
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** Sets the level of the node's logger and of every child made from it. */
export function setLogLevel(logger: Logger, level: LogLevel): void {
  logger.level = level;
  for (const child of childrenOf.get(logger) ?? []) child.level = level;
}
