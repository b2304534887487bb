/**
 * packPartitions: a federated plan's per-partition jobs packed into at most `maxJobs` scan jobs
 * (K3_FEDERATE_MAX_JOBS; 0 = no limit) of at least `minJobBytes` each (K3_FEDERATE_MIN_JOB_BYTES;
 * 0 = no floor); with neither, one job per kept partition as before.
 *
 * Why: every scan job pays a fixed round trip (enqueue, a worker's pick-up, its connection and
 * view, the result through Redis, the coordinator's wake-up) — ≈10 ms on a loaded 2-core machine —
 * while the partial aggregate itself is cheap. With W worker slots, more than W jobs only queue.
 *
 * Exactness: every job runs the SAME partial SQL (plan/federate.ts), and a partition is never
 * split, so every group whose keys include a partition column stays in one job, and the reducer
 * merges partials of any grouping of partitions into the same answer (partial aggregates are
 * associative; a scan's top-k of a union of partitions still holds every row the FINAL SQL keeps).
 *
 * Balance: largest partition first onto the job with the fewest bytes so far (ties: fewest
 * partitions, then the lowest job), so no job is empty while another holds two partitions;
 * then each job keeps its partitions in plan order — deterministic for a given plan.
 */
import type { FederatedJob } from '../plan/index.ts';

const bytesOf = (job: FederatedJob): number => job.files.reduce((n, f) => n + f.add.size, 0);

/**
 * How many jobs: at most `maxJobs` (0 = no limit) and, when `minJobBytes` > 0, no more than one per
 * `minJobBytes` of data (at least one) — below that a job's fixed cost outweighs what a parallel
 * scan saves (one worker's DuckDB already uses every core of its machine).
 */
export function jobCount(partitions: number, totalBytes: number, maxJobs: number, minJobBytes = 0): number {
  let n = maxJobs > 0 ? Math.min(maxJobs, partitions) : partitions;
  if (minJobBytes > 0) n = Math.min(n, Math.max(1, Math.floor(totalBytes / minJobBytes)));
  return n;
}

export function packPartitions(jobs: readonly FederatedJob[], maxJobs: number, minJobBytes = 0): FederatedJob[][] {
  maxJobs = jobCount(jobs.length, jobs.reduce((n, j) => n + bytesOf(j), 0), maxJobs, minJobBytes);
  if (jobs.length <= maxJobs) return jobs.map((j) => [j]);
  const order = jobs.map((job, index) => ({ job, index, bytes: bytesOf(job) }))
    .sort((a, b) => b.bytes - a.bytes || a.index - b.index);
  const bins = Array.from({ length: maxJobs }, () => ({ bytes: 0, members: [] as { job: FederatedJob; index: number }[] }));
  for (const item of order) {
    let best = bins[0]!;
    for (const bin of bins) if (bin.bytes < best.bytes || (bin.bytes === best.bytes && bin.members.length < best.members.length)) best = bin;
    best.bytes += item.bytes;
    best.members.push(item);
  }
  return bins
    .filter((b) => b.members.length > 0)
    .map((b) => b.members.sort((x, y) => x.index - y.index))
    .sort((a, b) => a[0]!.index - b[0]!.index)
    .map((members) => members.map((m) => m.job));
}
