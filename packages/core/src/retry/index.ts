/** Retrying and seeded randomness (docs/design/faults.md): the one retry helper, a deterministic PRNG. */
export { RetryPolicy, type RetryOptions } from './retry-policy.ts';
export { randomInt, seededRandom, type Random } from './seeded-random.ts';
