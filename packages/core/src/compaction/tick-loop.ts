/**
 * TickLoop: the timer loop of the compactor role's services (CompactorService, PipelineScanner):
 * `tick` runs every `intervalMs` after the previous tick ended, so ticks never overlap; a failing
 * tick goes to `onError` and the loop goes on; `stop()` cancels the timer and waits for the tick
 * that is running.
 */
export class TickLoop {
  readonly #tick: () => Promise<unknown>;
  readonly #intervalMs: number;
  readonly #onError: ((err: unknown) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;

  constructor(tick: () => Promise<unknown>, intervalMs: number, onError?: (err: unknown) => void) {
    this.#tick = tick;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    this.#stopped = false;
    const loop = (): void => {
      if (this.#stopped) return;
      this.#running = this.#tick().catch((err: unknown) => this.#onError?.(err)).finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(loop, this.#intervalMs);
      });
    };
    this.#timer = setTimeout(loop, this.#intervalMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
  }
}
