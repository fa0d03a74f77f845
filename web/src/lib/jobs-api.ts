/**
 * The runs that may hold a Job, for the Running jobs screen: the staff runs
 * list (`GET /api/v1/staff/runs`, docs/domain.md §8.2) filtered by status,
 * 500 a page (the API's most), following `next_cursor` to the end.
 */
import { fetchRuns, type FetchLike } from './api.ts';
import type { Run } from './run.ts';
import { JOB_STATUSES } from './running-jobs.ts';

export const JOBS_PAGE_LIMIT = 500;
/**
 * 10,000 runs at once is far past any cluster's slots; a cursor that keeps
 * coming back past it is a fault, not a workload, and must not loop forever.
 */
export const JOBS_MAX_PAGES = 20;

export async function fetchRunningJobs(options: { fetch: FetchLike; signal?: AbortSignal }): Promise<Run[]> {
  const params = new URLSearchParams({ status: JOB_STATUSES.join(',') });
  const items: Run[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < JOBS_MAX_PAGES; page += 1) {
    const list = await fetchRuns({ fetch: options.fetch, limit: JOBS_PAGE_LIMIT, params, cursor, signal: options.signal });
    items.push(...list.items);
    cursor = list.nextCursor ?? null;
    if (cursor === null) {
      break;
    }
  }
  return items;
}
