/**
 * Where spilled scan results live in the job's bucket: `_k3/results/<queryId>/<jobIndex>.arrow`.
 * A `_`-prefixed top-level folder, outside every table root (K3_TABLES_PREFIX), so Delta readers,
 * VACUUM and table listings never see it. The coordinator deletes a query's results after merging;
 * the sweeper (dispatch/sweep-job-results.ts) deletes what a crashed coordinator left behind.
 * (Kept here rather than in object-store/paths.ts because only the job protocol uses it.)
 */
export const JOB_RESULTS_PREFIX = '_k3/results/';

export function jobResultsPrefix(queryId: string): string {
  return `${JOB_RESULTS_PREFIX}${queryId}/`;
}

export function jobResultKey(queryId: string, jobIndex: number): string {
  return `${jobResultsPrefix(queryId)}${jobIndex}.arrow`;
}
