import { isTesseraError } from '../../common/errors';

/** The TesseraError `fn` throws (its code and message); fails the test if it throws nothing or something else. */
export function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isTesseraError(error)) return error;
    throw error;
  }
  throw new Error('expected a TesseraError, nothing was thrown');
}
