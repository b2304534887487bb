/**
 * Long mode of the deterministic simulation: `npm run sim -- --seeds 1000` runs seeds 1..1000
 * (`--from N` to start elsewhere), `npm run sim -- --seed 42` replays one seed; `--steps N`
 * (default 40) and `--fault-rate R` (default 0.03) tune each run. Stops at the first failure,
 * printing the seed and the replay command; exit code 1.
 */
import { parseArgs } from 'node:util';
import { runSimulation, SimulationFailure } from './simulation.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    from: { type: 'string', default: '1' },
    seed: { type: 'string' },
    steps: { type: 'string', default: '40' },
    'fault-rate': { type: 'string', default: '0.03' },
    verbose: { type: 'boolean', default: false },
  },
});
const steps = Number(values.steps);
const faultRate = Number(values['fault-rate']);
const seeds = values.seed !== undefined ? [Number(values.seed)] : Array.from({ length: Number(values.seeds) }, (_, i) => Number(values.from) + i);
const started = Date.now();
let faults = 0;
for (const seed of seeds) {
  try {
    const report = await runSimulation(seed, { steps, faultRate });
    faults += report.faults;
    if (values.verbose || seeds.length === 1) console.log(report.trace.join('\n'));
    console.log(`seed ${seed} ok (${report.faults} faults injected, ${report.resolvedWithoutFaults} writes resolved after the retry budget)`);
  } catch (err) {
    console.error(err instanceof SimulationFailure ? err.message : `simulation seed ${seed} crashed: ${err instanceof Error ? err.stack : String(err)}\nreplay: npm run sim -- --seed ${seed} --steps ${steps}`);
    process.exit(1);
  }
}
console.log(`${seeds.length} seeds passed (${faults} faults injected) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
