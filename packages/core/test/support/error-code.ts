/** The AppError code a promise rejects with; fails the test when it resolves or throws something else. */
import { isAppError } from '../../src/errors/index.ts';

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return err.code;
    throw err;
  }
  throw new Error('expected an error');
}
