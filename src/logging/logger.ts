/**
 * @module The node's logger: pino JSON lines on stdout, level from --log.level.
 */
import { pino, type Logger } from 'pino';

export function createLogger(level: string, nodeId: string): Logger {
  return pino({ level: level.toLowerCase(), base: { node: nodeId }, timestamp: pino.stdTimeFunctions.isoTime });
}
