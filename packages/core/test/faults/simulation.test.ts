/**
 * The deterministic simulation (simulation.ts) over a fixed set of seeds, bounded for `npm test`;
 * the long mode is `npm run sim -- --seeds 1000`. A failure message carries the seed and the
 * command that replays it.
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from './simulation.ts';

const SEEDS = [1, 2, 3, 4, 5, 6];

describe('deterministic simulation: writers, STRONG readers, drains, OPTIMIZE and VACUUM over a faulty store', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: every acknowledged write exactly once, STRONG equals the model, logs valid`, async () => {
      const report = await runSimulation(seed, { steps: 30 });
      expect(report.trace.length).toBeGreaterThanOrEqual(30);
    }, 120_000);
  }

  it('replays exactly: the same seed gives the same steps, outcomes and faults', async () => {
    const a = await runSimulation(7, { steps: 15 });
    const b = await runSimulation(7, { steps: 15 });
    expect(b.trace).toEqual(a.trace);
    expect(b.faults).toBe(a.faults);
    expect(a.faults).toBeGreaterThan(0);
  }, 120_000);
});
