/**
 * Notices that the process that started this one is gone (K3_EXIT_WITH_PARENT, set by `npm
 * start`). When npm is SIGKILLed it cannot forward anything; the server is re-parented and would
 * keep holding its port, so the next `npm start` fails. `process.ppid` is read afresh on every
 * access, so a changed value means the original parent exited; `onGone` then runs once (main.ts
 * starts the graceful shutdown). Polled every `intervalMs` on an unref'd timer.
 */
export function watchParent(onGone: (previousParent: number) => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone(parent);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
