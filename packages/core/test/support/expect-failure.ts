/** The error a promise rejects with (tests assert its `code`); fails the test when it resolves. */
export async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected a failure, the operation succeeded');
}
