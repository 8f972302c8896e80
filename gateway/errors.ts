import { isTesseraError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { GatewayErrorCode } from './encode';

/**
 * What a client is told about a failure: the service's code and message as they are; anything
 * else is a gateway bug, logged in full and reported as INTERNAL without internals.
 */
export function answerError(error: unknown, logger: Logger): { code: GatewayErrorCode; message: string } {
  if (isTesseraError(error)) return { code: error.code, message: error.message };
  logger.error('unexpected failure handling a frame', { error: error instanceof Error ? error.stack ?? error.message : String(error) });
  return { code: 'INTERNAL', message: 'internal error; see the server log' };
}
