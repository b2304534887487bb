/**
 * Progress for long work (a big insert from a file, compact --until-drained, optimize, a streamed
 * result): rows/s and elapsed time on stderr, only when stderr is a terminal and the output is not
 * `-o json` / `--quiet` — a pipe or a script never sees it.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, extra?: string): void;
  stop(): void;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

export function progress(enabled: boolean, label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled || stream.isTTY !== true) return NONE;
  const started = Date.now();
  const bar = new cliProgress.SingleBar({
    stream,
    format: `${label} {value} rows | {rate} rows/s | {elapsed}s{extra}`,
    hideCursor: true,
    clearOnComplete: false,
    noTTYOutput: false,
    fps: 10,
  }, cliProgress.Presets.shades_classic);
  bar.start(0, 0, { rate: '0', elapsed: '0.0', extra: '' });
  return {
    update(done, extra = '') {
      const secs = (Date.now() - started) / 1000;
      bar.setTotal(done);
      bar.update(done, { rate: secs > 0 ? Math.round(done / secs).toString() : '0', elapsed: secs.toFixed(1), extra: extra === '' ? '' : ` | ${extra}` });
    },
    stop() {
      bar.stop();
    },
  };
}
